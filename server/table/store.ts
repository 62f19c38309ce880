/**
 * One table's entries on this node, in Deno KV under [t, table, partition, pk, sk].
 * Every write is a merge, committed atomically with the effects of the change.
 */
import { decode, encode } from "../util/msgpack.ts";
import { partitionOf } from "../util/ids.ts";
import { PARTITIONS } from "../rpc/layout.ts";
import { sameBytes } from "../util/order.ts";
import { utf8Length } from "../util/utf8.ts";
import { type CachedEntry, EntryCache } from "./cache.ts";
import { merkleTodo, MerkleTree, type TodoRow } from "./merkle.ts";
import { sha256 } from "./merkle_node.ts";
import { queueKey } from "./queue.ts";
import { PointReads } from "./point_reads.ts";
import type { TableSchema } from "./schema.ts";
import { type RangeQuery, readRange } from "./range.ts";

/** Deno KV refuses values over 64 KiB; stay clear of it with a clear error. */
export const MAX_VALUE = 60 * 1024;

/** An entry whose stored form would not fit in one Deno KV value: the write is refused whole. */
export class EntryTooLarge extends Error {
  constructor(readonly table: string, readonly size: number) {
    super(`${table} entry of ${size} bytes exceeds the ${MAX_VALUE}-byte metadata value limit`);
  }
}
/** Deno KV allows 100 checks per atomic operation; stay under it, and under 800 KiB. */
const MAX_CHECKS = 100;
const MAX_OP_BYTES = 720 * 1024;
const BATCH_ENTRIES = 64;
const BATCH_BYTES = 512 * 1024;
/**
 * And under 80 KiB of keys: an entry's key is written twice (its row and its Merkle todo row),
 * and S3 allows 1 KiB object keys.
 */
const BATCH_KEY_BYTES = 56 * 1024;

/**
 * A tombstone of a sharded table waiting for garbage collection (see gc.ts), under
 * [gc, table, partition, pk, sk]: the hash of its stored bytes and when it became one.
 */
export interface GcRow {
  partition: number;
  pk: string;
  sk: string;
  hash: Uint8Array;
  at: number;
  versionstamp: string;
}

/** An entry as stored, with its keys: what offloading a partition hands over. */
export interface StoredEntry {
  pk: string;
  sk: string;
  bytes: Uint8Array;
}

/** An entry to delete if its stored bytes still have this SHA-256 (see deleteIfUnchanged). */
export type DeleteItem = [pk: string, sk: string, hash: Uint8Array];

const GC = "gc";

/** Writes added to an atomic operation, and what they leave to do once it commits. */
interface Staged<E> {
  writes: [id: string, entry: E, bytes: Uint8Array][];
  todo: TodoRow[];
  keys: Deno.KvKey[];
  /** Payloads of queued work the linked store takes over. */
  handOver: unknown[];
  queued: boolean;
}

const U64 = 1n << 64n;

/**
 * Counter increments of one commit, added up per counter: a group commit of 64 new objects
 * would otherwise sum into the same two bucket counters 64 times each, and every sum is a read
 * and a write in the database's thread.
 */
class Sums {
  readonly #byKey = new Map<string, [Deno.KvKey, bigint]>();

  add(key: Deno.KvKey, n: bigint): void {
    const id = JSON.stringify(key);
    const prev = this.#byKey.get(id);
    this.#byKey.set(id, [key, prev ? (prev[1] + n) % U64 : n]);
  }

  writeTo(op: Deno.AtomicOperation): void {
    for (const [key, n] of this.#byKey.values()) if (n !== 0n) op.sum(key, n);
  }
}

/** Entries removed per atomic operation (each check, delete and todo row counts). */
const DELETE_BATCH = 32;

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
  /** Fully replicated tables are small and read on every request: held whole in memory. */
  readonly #whole: boolean;
  readonly #cache: EntryCache<E>;
  readonly #pointReads: PointReads;
  /** Commits that wrote to each partition: what tells a read whether it is still current. */
  readonly #writes = new Array<number>(PARTITIONS).fill(0);
  /** The partitions' Merkle trees, fed by every write below in the same commit. */
  readonly merkle: MerkleTree;
  /**
   * Another table's store that takes over some of this one's follow-up work in the same
   * commit: queued items of `kind` become entries of `store` (`adopt`), written atomically with
   * the change that caused them (e.g. a version pushed out of an object entry goes into the
   * history with it).
   */
  linked?: { kind: string; store: LocalStore<unknown>; adopt(payload: unknown): unknown };

  /** `trees`: the database of the Merkle trees (merkle_db.ts), `kv` itself in some tests. */
  constructor(
    readonly kv: Deno.Kv,
    readonly schema: TableSchema<E>,
    readonly onQueued: () => void = () => {},
    trees: Deno.Kv = kv,
  ) {
    this.#whole = schema.replication === "full";
    this.#cache = new EntryCache(this.#whole ? undefined : schema.cacheBytes ?? 0);
    this.merkle = new MerkleTree(kv, trees, schema.name, schema.crowded);
    this.#pointReads = new PointReads(kv);
  }

  async load(): Promise<void> {
    if (!this.#whole) return;
    for await (const e of this.kv.list<Uint8Array>({ prefix: ["t", this.schema.name] })) {
      this.#cache.set(this.#id(e.key[3] as string, e.key[4] as string), this.#cachedOf(e));
    }
  }

  /** Refuses an entry too large to store, before anything is written anywhere. */
  checkSize(e: E): void {
    const size = this.#encode(e).length;
    if (size > MAX_VALUE) throw new EntryTooLarge(this.schema.name, size);
  }

  #encode(e: E): Uint8Array {
    return encode(this.schema.stored ? this.schema.stored(e) : e);
  }

  /** An entry from its stored bytes and its keys. */
  #decode(bytes: Uint8Array, pk: string, sk: string): E {
    const v = decode(bytes);
    return this.schema.restored ? this.schema.restored(v, pk, sk) : v as E;
  }

  /** The same, with the keys taken from the KV key ([t, table, partition, pk, sk]). */
  #decodeAt(bytes: Uint8Array, key: Deno.KvKey): E {
    return this.#decode(bytes, key[3] as string, key[4] as string);
  }

  #id(pk: string, sk: string): string {
    return pk + "\u0000" + sk;
  }

  keyOf(pk: string, sk: string): Deno.KvKey {
    return ["t", this.schema.name, partitionOf(pk), pk, sk];
  }

  async get(pk: string, sk: string): Promise<E | undefined> {
    const id = this.#id(pk, sk);
    const hit = this.#cache.get(id);
    if (hit || this.#whole) return hit?.entry;
    return (await this.#cache.read(id, () => this.#load(this.keyOf(pk, sk)))).entry;
  }

  async #load(key: Deno.KvKey): Promise<CachedEntry<E>> {
    return this.#cachedOf(await this.#pointReads.get(key));
  }

  /** A KV read as the cache holds it: the entry decoded, with its bytes and versionstamp. */
  #cachedOf(r: Deno.KvEntryMaybe<Uint8Array>): CachedEntry<E> {
    return {
      entry: r.value ? this.#decodeAt(r.value, r.key) : undefined,
      bytes: r.value,
      versionstamp: r.versionstamp,
    };
  }

  /** Synchronous read of a fully replicated table. */
  getCached(pk: string, sk: string): E | undefined {
    return this.#whole ? this.#cache.get(this.#id(pk, sk))?.entry : undefined;
  }

  *cached(): IterableIterator<E> {
    if (!this.#whole) throw new Error(`table ${this.schema.name} is not cached`);
    for (const c of this.#cache.values()) if (c.entry !== undefined) yield c.entry;
  }

  range(pk: string, q: RangeQuery): Promise<E[]> {
    return this.rangeOf(pk, q, (sk, bytes) => this.#decode(bytes, pk, sk));
  }

  /** Entries of one partition key in sort-key order, each read by `view` (see readRange). */
  rangeOf<V>(pk: string, q: RangeQuery, view: (sk: string, bytes: Uint8Array) => V): Promise<V[]> {
    return readRange(this.kv, this.schema.name, pk, q, view);
  }

  /**
   * A page of every entry this node stores, in key order, from after `cursor` (for repairs
   * that walk a whole table); `next` is where the following page starts.
   */
  async page(cursor: string | undefined, limit: number): Promise<{ entries: E[]; next?: string }> {
    const entries: E[] = [];
    const it = this.kv.list<Uint8Array>({ prefix: ["t", this.schema.name] }, { cursor, limit });
    for await (const e of it) entries.push(this.#decodeAt(e.value, e.key));
    return { entries, next: entries.length === limit ? it.cursor : undefined };
  }

  /**
   * Merges entries in. Writes that arrive while a commit is in flight are committed together
   * in the next one (group commit): Deno KV commits a few thousand times a second, and many
   * small PUTs at once would otherwise queue behind each other.
   */
  apply(entries: E[]): Promise<void> {
    const sizes = entries.map((e) => this.#encode(e).length);
    const tooLarge = sizes.find((size) => size > MAX_VALUE);
    if (tooLarge !== undefined) {
      return Promise.reject(new EntryTooLarge(this.schema.name, tooLarge));
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
          let keys = 0;
          for (const w of group) {
            for (const [k, e] of w.entries.entries()) {
              const keySize = this.#keyBytes(e);
              if (
                batch.length >= BATCH_ENTRIES || size + w.sizes[k] > BATCH_BYTES ||
                keys + keySize > BATCH_KEY_BYTES
              ) {
                await this.#applyBatch(batch);
                batch = [];
                size = 0;
                keys = 0;
              }
              batch.push(e);
              size += w.sizes[k];
              keys += keySize;
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

  /**
   * The bytes of keys an entry's write adds to a commit, with room for its effects' keys: its
   * row, its Merkle todo row and, in a sharded table, its GC row if it ends a tombstone.
   */
  #keyBytes(e: E): number {
    const { schema } = this;
    return (this.#whole ? 2 : 3) * utf8Length(schema.partitionKey(e) + schema.sortKey(e)) +
      256;
  }

  /** Several incoming entries may target the same key: they are merged first. */
  #byKey(entries: E[]): Array<[string, { key: Deno.KvKey; entry: E }]> {
    const { schema } = this;
    const byId = new Map<string, { key: Deno.KvKey; entry: E }>();
    for (const e of entries) {
      const pk = schema.partitionKey(e), sk = schema.sortKey(e);
      const id = this.#id(pk, sk);
      const prev = byId.get(id);
      byId.set(id, {
        key: prev?.key ?? this.keyOf(pk, sk),
        entry: prev ? schema.merge(prev.entry, e) : e,
      });
    }
    return [...byId.entries()];
  }

  /**
   * Adds to `op` the writes of these entries merged into what is stored, with their effects
   * (checked against the versionstamps read, so a concurrent write makes the commit fail and
   * the batch is tried again): what the commit will have changed, and the payloads handed over
   * to the linked store.
   */
  async #stage(
    op: Deno.AtomicOperation,
    sums: Sums,
    items: Array<[string, { key: Deno.KvKey; entry: E }]>,
    fresh: boolean,
    assumeAbsent = false,
  ): Promise<Staged<E>> {
    const { schema } = this;
    // Entries nearly always new (a version just pushed out) are not read: the commit checks
    // they are absent, and a retry reads them if one was there after all.
    const current = assumeAbsent && !fresh
      ? items.map((): CachedEntry<E> => ({ entry: undefined, bytes: null, versionstamp: null }))
      : await this.#current(items.map(([id, { key }]) => [id, key]), fresh);
    const staged: Staged<E> = { writes: [], todo: [], keys: [], handOver: [], queued: false };
    items.forEach(([id, { key, entry }], i) => {
      const cur = current[i];
      const merged = cur.entry !== undefined ? schema.merge(cur.entry, entry) : entry;
      const bytes = this.#encode(merged);
      if (cur.bytes && sameBytes(bytes, cur.bytes)) return;
      op.check({ key, versionstamp: cur.versionstamp }).set(key, bytes);
      const row = merkleTodo(op, key, bytes);
      staged.todo.push(row);
      staged.keys.push(key);
      if (!this.#whole && schema.isTombstone(merged)) {
        op.set([GC, ...key.slice(1)], encode({ h: row.value, t: Date.now() }));
      }
      staged.writes.push([id, merged, bytes]);
      const fx = schema.updated?.(cur.entry, merged);
      for (const q of fx?.queue ?? []) {
        if (q.kind === this.linked?.kind) staged.handOver.push(q.payload);
        else {
          op.set(queueKey(), encode(q));
          staged.queued = true;
        }
      }
      for (const [k, v] of fx?.sets ?? []) op.set(k, v);
      for (const [k, n] of fx?.sums ?? []) sums.add(k, n);
    });
    return staged;
  }

  /** What a successful commit of staged writes changes here: cache, trees, counters. */
  #committed(staged: Staged<E>, versionstamp: string): void {
    for (const [id, entry, bytes] of staged.writes) {
      this.#cache.set(id, { entry, bytes, versionstamp });
    }
    for (const key of staged.keys) this.#writes[key[2] as number]++;
    if (staged.queued) this.onQueued();
    this.merkle.noted(staged.todo, versionstamp);
  }

  #applyBatch(entries: E[]): Promise<number> {
    return this.#applyItems(this.#byKey(entries));
  }

  async #applyItems(items: Array<[string, { key: Deno.KvKey; entry: E }]>): Promise<number> {
    const linked = this.linked;
    for (let attempt = 0;; attempt++) {
      const op = this.kv.atomic();
      const sums = new Sums();
      const own = await this.#stage(op, sums, items, attempt > 0);
      if (own.writes.length === 0) return 0;
      let theirs: Staged<unknown> | undefined;
      if (own.handOver.length && linked) {
        const adopted = own.handOver.map((p) => linked.adopt(p));
        // Past what one Deno KV commit takes (checks, bytes, key bytes), the batch is split in
        // two; one entry and what it hands over always fit.
        const bytes = (list: Uint8Array[]) => list.reduce((n, b) => n + b.length, 0);
        const fits = own.writes.length + adopted.length <= MAX_CHECKS &&
          bytes(own.writes.map(([, , b]) => b)) +
                bytes(adopted.map((e) => linked.store.#encode(e))) <= MAX_OP_BYTES &&
          items.reduce((n, [, { entry }]) => n + this.#keyBytes(entry), 0) +
                adopted.reduce((n: number, e) => n + linked.store.#keyBytes(e), 0) <=
            BATCH_KEY_BYTES;
        if (!fits && items.length > 1) {
          const half = Math.ceil(items.length / 2);
          return await this.#applyItems(items.slice(0, half)) +
            await this.#applyItems(items.slice(half));
        }
        theirs = await linked.store.#stage(
          op,
          sums,
          linked.store.#byKey(adopted),
          attempt > 0,
          true,
        );
      }
      sums.writeTo(op);
      const res = await op.commit();
      if (res.ok) {
        this.#committed(own, res.versionstamp);
        if (theirs) linked!.store.#committed(theirs, res.versionstamp);
        return own.writes.length;
      }
      // Counted anyway: a failed commit counted is only a read ahead wasted.
      for (const key of own.keys) this.#writes[key[2] as number]++;
      for (const key of theirs?.keys ?? []) linked!.store.#writes[key[2] as number]++;
      if (attempt > 50) throw new Error(`${this.schema.name}: too much contention writing entries`);
    }
  }

  /**
   * Commits a write to these entry keys, counting it for their partitions whatever the outcome
   * (a failed commit counted is only a read ahead wasted).
   */
  async #commit(op: Deno.AtomicOperation, keys: Deno.KvKey[]) {
    try {
      return await op.commit();
    } finally {
      for (const key of keys) this.#writes[key[2] as number]++;
    }
  }

  /** How many commits have written to pk's partition since this store opened. */
  writesTo(pk: string): number {
    return this.#writes[partitionOf(pk)];
  }

  /** Tombstones waiting for garbage collection, in key order from after `cursor`. */
  async gcRows(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ rows: GcRow[]; next?: string }> {
    const rows: GcRow[] = [];
    const it = this.kv.list<Uint8Array>({ prefix: [GC, this.schema.name] }, { cursor, limit });
    for await (const e of it) {
      const { h, t } = decode(e.value) as { h: Uint8Array; t: number };
      const [, , partition, pk, sk] = e.key as [string, string, number, string, string];
      rows.push({ partition, pk, sk, hash: h, at: t, versionstamp: e.versionstamp });
    }
    return { rows, next: rows.length === limit ? it.cursor : undefined };
  }

  /** Drops a GC row that no longer describes its entry, unless it was rewritten meanwhile. */
  async dropGcRow(row: GcRow): Promise<void> {
    const key = [GC, this.schema.name, row.partition, row.pk, row.sk];
    await this.kv.atomic().check({ key, versionstamp: row.versionstamp }).delete(key).commit();
  }

  /** An entry as stored, if it exists. */
  async stored(pk: string, sk: string): Promise<StoredEntry | undefined> {
    const [cur] = await this.#current([[this.#id(pk, sk), this.keyOf(pk, sk)]], false);
    return cur.bytes ? { pk, sk, bytes: cur.bytes } : undefined;
  }

  /** Entries stored here (tombstones included), and tombstones waiting for collection. */
  async counts(): Promise<{ entries: number; gcTodo: number }> {
    const count = async (prefix: Deno.KvKey) => {
      let n = 0;
      for await (const _ of this.kv.list({ prefix }, { batchSize: 1000 })) n++;
      return n;
    };
    const [entries, gcTodo] = await Promise.all([
      count(["t", this.schema.name]),
      count([GC, this.schema.name]),
    ]);
    return { entries, gcTodo };
  }

  /** Whether this node stores any entry of a partition. */
  async holdsPartition(partition: number): Promise<boolean> {
    const it = this.kv.list({ prefix: ["t", this.schema.name, partition] }, { limit: 1 });
    for await (const _ of it) return true;
    return false;
  }

  /** The first entries this node stores in a partition, as stored. */
  async partitionEntries(partition: number, limit: number): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    const it = this.kv.list<Uint8Array>({ prefix: ["t", this.schema.name, partition] }, { limit });
    for await (const e of it) {
      out.push({ pk: e.key[3] as string, sk: e.key[4] as string, bytes: e.value });
    }
    return out;
  }

  /** An entry decoded from its stored bytes and keys. */
  restore(s: StoredEntry): E {
    return this.#decode(s.bytes, s.pk, s.sk);
  }

  /**
   * Deletes entries whose stored bytes still hash to what the caller saw (a tombstone every
   * replica holds, or an entry handed over to its new holders); an entry written since is
   * kept. No effects run: the entry's effects ran when it was written. Answers how many went.
   */
  async deleteIfUnchanged(items: DeleteItem[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < items.length; i += DELETE_BATCH) {
      const chunk = items.slice(i, i + DELETE_BATCH).map(([pk, sk, hash]) => ({
        id: this.#id(pk, sk),
        key: this.keyOf(pk, sk),
        hash,
      }));
      for (let attempt = 0;; attempt++) {
        const current = await this.#current(chunk.map((c) => [c.id, c.key]), attempt > 0);
        const op = this.kv.atomic();
        const todo: TodoRow[] = [];
        const gone: string[] = [];
        chunk.forEach((c, j) => {
          const cur = current[j];
          if (!cur.bytes || !sameBytes(sha256(cur.bytes), c.hash)) return;
          op.check({ key: c.key, versionstamp: cur.versionstamp }).delete(c.key);
          op.delete([GC, ...c.key.slice(1)]);
          todo.push(merkleTodo(op, c.key, undefined));
          gone.push(c.id);
        });
        if (gone.length === 0) break;
        const res = await this.#commit(op, chunk.map((c) => c.key));
        if (res.ok) {
          for (const id of gone) {
            this.#cache.set(id, { entry: undefined, bytes: null, versionstamp: null });
          }
          this.merkle.noted(todo, res.versionstamp);
          deleted += gone.length;
          break;
        }
        if (attempt > 50) {
          throw new Error(`${this.schema.name}: too much contention deleting entries`);
        }
      }
    }
    return deleted;
  }

  /** What KV holds under these keys: from the cache, unless a check failed with it. */
  async #current(keys: [string, Deno.KvKey][], fresh: boolean): Promise<CachedEntry<E>[]> {
    const out: (CachedEntry<E> | undefined)[] = keys.map(([id]) =>
      fresh ? undefined : this.#cache.get(id)
    );
    const missing = out.flatMap((c, i) => c ? [] : [i]);
    // Deno KV reads 10 keys at most at once; the groups go together.
    const groups = [];
    for (let i = 0; i < missing.length; i += 10) groups.push(missing.slice(i, i + 10));
    await Promise.all(groups.map(async (idx) => {
      const got = await this.kv.getMany<Uint8Array[]>(idx.map((j) => keys[j][1]));
      got.forEach((r, k) => out[idx[k]] = this.#cachedOf(r));
    }));
    return out as CachedEntry<E>[];
  }
}
