/**
 * Point reads of Deno KV that arrive together share one getMany. Each read is a hop to the
 * database's thread; under many small PUTs (each asks for its key first) those hops, not the
 * lookups, kept that thread busy, and commits waited behind them.
 */

/** Deno KV's limit of keys per getMany. */
const MAX_KEYS = 10;

interface Waiting {
  key: Deno.KvKey;
  resolve(r: Deno.KvEntryMaybe<Uint8Array>): void;
  reject(e: unknown): void;
}

export class PointReads {
  readonly #waiting: Waiting[] = [];
  #inFlight = 0;

  /** Reads in flight at once: with one, everything that arrives meanwhile goes in the next. */
  constructor(readonly kv: Pick<Deno.Kv, "getMany">, readonly maxInFlight = 1) {}

  get(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<Uint8Array>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ key, resolve, reject });
      this.#send();
    });
  }

  #send(): void {
    while (this.#waiting.length && this.#inFlight < this.maxInFlight) {
      const group = this.#waiting.splice(0, MAX_KEYS);
      this.#inFlight++;
      this.kv.getMany<Uint8Array[]>(group.map((w) => w.key))
        .then(
          (found) => group.forEach((w, i) => w.resolve(found[i])),
          (e) => group.forEach((w) => w.reject(e)),
        )
        .finally(() => {
          this.#inFlight--;
          this.#send();
        });
    }
  }
}
