/**
 * One table's entries on this node, in Deno KV under [t, table, partition, pk, sk].
 * Every write is a merge, committed atomically with the effects of the change.
 */
import { decode, encode } from "@msgpack/msgpack";
import { partitionOf } from "../util/ids.ts";
import { sameBytes } from "../util/order.ts";
import { queueKey } from "./queue.ts";
import type { TableSchema } from "./schema.ts";

/** Deno KV refuses values over 64 KiB; stay clear of it with a clear error. */
const MAX_VALUE = 60 * 1024;
/** Deno KV allows 100 checks per atomic operation; stay under it, and under 800 KiB. */
const BATCH_ENTRIES = 64;
const BATCH_BYTES = 512 * 1024;

export interface RangeQuery {
  /** First sort key to return (inclusive). */
  start?: string;
  /** Sort key to stop before (exclusive). */
  end?: string;
  limit?: number;
  reverse?: boolean;
}

interface Waiting<E> {
  entries: E[];
  sizes: number[];
  bytes: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class LocalStore<E> {
  readonly #waiting: Waiting<E>[] = [];
  #flushing = false;
  /** Fully replicated tables are small and read on every request: keep them in memory. */
  readonly #cache?: Map<string, E>;

  constructor(
    readonly kv: Deno.Kv,
    readonly schema: TableSchema<E>,
    readonly onQueued: () => void = () => {},
  ) {
    if (schema.replication === "full") this.#cache = new Map();
  }

  async load(): Promise<void> {
    if (!this.#cache) return;
    for await (const e of this.kv.list<Uint8Array>({ prefix: ["t", this.schema.name] })) {
      const entry = decode(e.value) as E;
      this.#cache.set(this.#cacheKey(entry), entry);
    }
  }

  #cacheKey(e: E): string {
    return this.schema.partitionKey(e) + "\u0000" + this.schema.sortKey(e);
  }

  keyOf(pk: string, sk: string): Deno.KvKey {
    return ["t", this.schema.name, partitionOf(pk), pk, sk];
  }

  async get(pk: string, sk: string): Promise<E | undefined> {
    if (this.#cache) return this.#cache.get(pk + "\u0000" + sk);
    const r = await this.kv.get<Uint8Array>(this.keyOf(pk, sk));
    return r.value ? decode(r.value) as E : undefined;
  }

  /** Synchronous read of a fully replicated table. */
  getCached(pk: string, sk: string): E | undefined {
    return this.#cache?.get(pk + "\u0000" + sk);
  }

  cached(): IterableIterator<E> {
    if (!this.#cache) throw new Error(`table ${this.schema.name} is not cached`);
    return this.#cache.values();
  }

  async range(pk: string, q: RangeQuery): Promise<E[]> {
    const prefix = ["t", this.schema.name, partitionOf(pk), pk];
    const selector: Deno.KvListSelector = q.start !== undefined && q.end !== undefined
      ? { start: [...prefix, q.start], end: [...prefix, q.end] }
      : q.start !== undefined
      ? { prefix, start: [...prefix, q.start] }
      : q.end !== undefined
      ? { prefix, end: [...prefix, q.end] }
      : { prefix };
    const out: E[] = [];
    const iter = this.kv.list<Uint8Array>(selector, {
      limit: q.limit,
      reverse: q.reverse,
      batchSize: Math.min(q.limit ?? 1000, 1000),
    });
    for await (const e of iter) out.push(decode(e.value) as E);
    return out;
  }

  /**
   * Merges entries in. Writes that arrive while a commit is in flight are committed together
   * in the next one (group commit): Deno KV commits a few thousand times a second, and many
   * small PUTs at once would otherwise queue behind each other.
   */
  apply(entries: E[]): Promise<void> {
    const sizes = entries.map((e) => encode(e).length);
    const tooLarge = sizes.find((size) => size > MAX_VALUE);
    if (tooLarge !== undefined) {
      return Promise.reject(
        new Error(
          `${this.schema.name} entry of ${tooLarge} bytes exceeds the ${MAX_VALUE}-byte metadata value limit`,
        ),
      );
    }
    const bytes = sizes.reduce((a, b) => a + b, 0);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ entries, sizes, bytes, resolve, reject });
      this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#waiting.length) {
        const group: Waiting<E>[] = [];
        let n = 0;
        let bytes = 0;
        for (const w of this.#waiting) {
          if (
            group.length && (n + w.entries.length > BATCH_ENTRIES || bytes + w.bytes > BATCH_BYTES)
          ) break;
          group.push(w);
          n += w.entries.length;
          bytes += w.bytes;
        }
        this.#waiting.splice(0, group.length);
        try {
          // A single large write is still split to fit Deno KV's limits per atomic operation.
          let batch: E[] = [];
          let size = 0;
          for (const w of group) {
            for (const [k, e] of w.entries.entries()) {
              if (batch.length >= BATCH_ENTRIES || size + w.sizes[k] > BATCH_BYTES) {
                await this.#applyBatch(batch);
                batch = [];
                size = 0;
              }
              batch.push(e);
              size += w.sizes[k];
            }
          }
          if (batch.length) await this.#applyBatch(batch);
          for (const w of group) w.resolve();
        } catch (e) {
          for (const w of group) w.reject(e);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #applyBatch(entries: E[]): Promise<number> {
    const { schema } = this;
    // Several incoming entries may target the same key: merge them first.
    const byKey = new Map<string, { key: Deno.KvKey; entry: E }>();
    for (const e of entries) {
      const key = this.keyOf(schema.partitionKey(e), schema.sortKey(e));
      const id = JSON.stringify(key);
      const prev = byKey.get(id);
      byKey.set(id, { key, entry: prev ? schema.merge(prev.entry, e) : e });
    }
    const items = [...byKey.values()];
    for (let attempt = 0;; attempt++) {
      const current: Deno.KvEntryMaybe<Uint8Array>[] = [];
      for (let i = 0; i < items.length; i += 10) {
        current.push(
          ...await this.kv.getMany<Uint8Array[]>(items.slice(i, i + 10).map((x) => x.key)),
        );
      }
      const op = this.kv.atomic();
      const writes: E[] = [];
      let queued = false;
      items.forEach(({ key, entry }, i) => {
        const cur = current[i];
        const old = cur.value ? decode(cur.value) as E : undefined;
        const merged = old ? schema.merge(old, entry) : entry;
        const bytes = encode(merged);
        if (cur.value && sameBytes(bytes, cur.value)) return;
        op.check(cur).set(key, bytes);
        writes.push(merged);
        const fx = schema.updated?.(old, merged);
        for (const q of fx?.queue ?? []) {
          op.set(queueKey(), encode(q));
          queued = true;
        }
        for (const [k, v] of fx?.sets ?? []) op.set(k, v);
        for (const [k, n] of fx?.sums ?? []) op.sum(k, n);
      });
      if (writes.length === 0) return 0;
      const res = await op.commit();
      if (res.ok) {
        if (this.#cache) { for (const w of writes) this.#cache.set(this.#cacheKey(w), w); }
        if (queued) this.onQueued();
        return writes.length;
      }
      if (attempt > 50) throw new Error(`${schema.name}: too much contention writing entries`);
    }
  }
}
