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

export class LocalStore<E> {
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
      batchSize: Math.min(q.limit ?? 500, 500),
    });
    for await (const e of iter) out.push(decode(e.value) as E);
    return out;
  }

  /** Merges entries in; returns how many changed. */
  async apply(entries: E[]): Promise<number> {
    let changed = 0;
    let batch: E[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = encode(e).length;
      if (size > MAX_VALUE) {
        throw new Error(
          `${this.schema.name} entry of ${size} bytes exceeds the ${MAX_VALUE}-byte metadata value limit`,
        );
      }
      if (batch.length >= BATCH_ENTRIES || bytes + size > BATCH_BYTES) {
        changed += await this.#applyBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(e);
      bytes += size;
    }
    if (batch.length) changed += await this.#applyBatch(batch);
    return changed;
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
