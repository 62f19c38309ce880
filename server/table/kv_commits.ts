/**
 * Many rows written or deleted in as few Deno KV commits as its limits allow (1,000 mutations,
 * 800 KiB, 80 KiB of keys per atomic operation), for work that need not be atomic as a whole:
 * moving or rebuilding trees, deleting folded todo rows.
 */
import { utf8Length } from "../util/utf8.ts";

/** Deno KV's limits per atomic operation, with some room for its own encoding. */
export const MAX_MUTATIONS = 1000;
export const MAX_BYTES = 760 * 1024;
export const MAX_KEY_BYTES = 76 * 1024;

/**
 * A key's size as Deno KV encodes it, or a little more: each part's tag and terminator, its
 * bytes (a byte string's zeros are escaped, so counted twice), 9 for a number.
 */
export function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key) {
    n += 4 +
      (typeof part === "string"
        ? utf8Length(part)
        : part instanceof Uint8Array
        ? 2 * part.length
        : 9);
  }
  return n;
}

export class Commits {
  #op: Deno.AtomicOperation;
  #mutations = 0;
  #bytes = 0;
  #keyBytes = 0;

  constructor(readonly kv: Deno.Kv) {
    this.#op = kv.atomic();
  }

  /** `write` adds one mutation of `key`; `bytes`: its value's size, if it sets one. */
  async add(key: Deno.KvKey, write: (op: Deno.AtomicOperation) => void, bytes = 0): Promise<void> {
    const k = keyBytes(key);
    if (
      this.#mutations === MAX_MUTATIONS || this.#bytes + k + bytes > MAX_BYTES ||
      this.#keyBytes + k > MAX_KEY_BYTES
    ) await this.flush();
    write(this.#op);
    this.#mutations++;
    this.#bytes += k + bytes;
    this.#keyBytes += k;
  }

  /** Commits what was added since the last commit. */
  async flush(): Promise<void> {
    if (this.#mutations) await this.#op.commit();
    this.#op = this.kv.atomic();
    this.#mutations = 0;
    this.#bytes = 0;
    this.#keyBytes = 0;
  }
}
