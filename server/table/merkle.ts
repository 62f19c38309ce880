/**
 * Merkle trees of a table's entries, one per partition, as in Garage: replicas compare them to
 * find the few entries they disagree on without listing all the others.
 *
 * A write does not update a tree itself. It leaves a todo row (the entry's key, the hash of its
 * stored bytes) in its own atomic commit, and a background updater folds todo rows into the
 * trees in batches: a write pays for one small row, a batch shares the rewriting of the nodes
 * near the root, and a crash loses nothing, the todo row stays until the tree holds it.
 *
 * In the node's database, beside the entries (one updater per table, the only writer of its nodes):
 *   ["mt", table, partition, pk, sk, seq] → SHA-256 of the entry's stored bytes, empty if gone
 * and in the trees' own database (merkle_db.ts):
 *   ["mn", table, partition, prefix] → the node at that prefix of key hashes, msgpack
 * Todo keys follow the order of entry keys, so a commit's todo rows land as close together as
 * its entries (keyed by key hash, they scattered: 10,000 writes took 1.6 s, not 1.1 s); the
 * updater sorts a window of them by key hash itself.
 *
 * A partition's tree is a radix tree over the SHA-256 of the entries' keys, fan-out 256 (a byte
 * per level). The node at prefix p is a leaf when a single entry's key hash starts with p (its
 * keys and value hash), an inner node listing the children p+b and their hashes when several
 * do, and absent when none does. That shape depends only on which entries exist, so replicas
 * holding the same entries have the same root hash whatever order their writes came in.
 */
import { log } from "../util/log.ts";
import { foldTodo } from "./merkle_fold.ts";
import { decodeNode, EMPTY_HASH, type MerkleNode, ROOT, sha256 } from "./merkle_node.ts";

const TODO = "mt";
const NODE = "mn";
/**
 * Todo rows read at once, then folded in key hash order: the more a window holds, the closer
 * together in the tree each commit's rows fall, and the fewer nodes each row rewrites.
 */
const TODO_WINDOW = 4000;
/** Deno KV reads at most 10 keys at once. */
const READ_BATCH = 10;
/**
 * How long rows gather before a fold, unless a window's worth is waiting: the more a fold holds,
 * the more of its nodes its rows share. Tables whose entries spread over partitions (by block
 * hash, by version id) fold often: waiting longer shares little there, and under 32 large
 * uploads it held 40 MiB more at the peak.
 */
const SETTLE_MS = 100;
/**
 * The same for crowded tables (a bucket's objects in one tree): a fold rewrites each node its
 * rows fall under once, and a first-level node of a large bucket holds 256 children (about
 * 9 KB); in a tenth of a second, 1,000 writes/s gave folds of 100 rows, and nearly every write
 * rewrote such a node of its own. Trees lag the table by this much; anti-entropy flushes first.
 */
const CROWDED_SETTLE_MS = 1_000;
/**
 * Todo rows known from this process's own commits and not folded yet, at most. Folding what the
 * writer hands over spares a KV scan of the todo rows per batch, which cost 20 MiB of peak
 * memory under 32 concurrent uploads; past this, the updater goes back to scanning.
 */
const MAX_NOTED = 50_000;
const RETRY_MS = 5_000;

/** The todo row of one write of the entry at `entryKey`, `seq` telling its writes apart. */
export function todoKey(entryKey: Deno.KvKey, seq: number): Deno.KvKey {
  return [TODO, ...entryKey.slice(1), seq];
}

/**
 * Records, in the commit that changes an entry (KV key [t, table, partition, pk, sk]), that its
 * leaf must follow: to the hash of its new stored bytes, or away when it is deleted.
 */
export function merkleTodo(
  op: Deno.AtomicOperation,
  entryKey: Deno.KvKey,
  stored: Uint8Array | undefined,
): TodoRow {
  const row = {
    key: todoKey(entryKey, nextSeq()),
    value: stored ? sha256(stored) : new Uint8Array(0),
  };
  op.set(row.key, row.value);
  return row;
}

/**
 * Orders the todo rows of one entry: the highest is its latest write. Milliseconds since the
 * epoch times 1,000, plus a count, so a restarted process continues above the rows left before.
 */
let seq = Date.now() * 1000;
function nextSeq(): number {
  seq = Math.max(seq + 1, Date.now() * 1000);
  return seq;
}

/** A todo row as written; with the commit's versionstamp it is the row KV holds. */
export interface TodoRow {
  key: Deno.KvKey;
  value: Uint8Array;
}

/** A table's trees: read by anti-entropy, kept up to date by a background updater. */
export class MerkleTree {
  #started = false;
  #running?: Promise<void>;
  #again = false;
  #timer?: ReturnType<typeof setTimeout>;
  #idle: Array<() => void> = [];
  /** Rows committed since the last scan found none: folded without reading KV. */
  #noted: Deno.KvEntry<Uint8Array>[] = [];
  /** Whether KV may hold todo rows #noted does not (left by a crash, or dropped). */
  #scan = true;
  /** Callers of idle() waiting for the trees to hold every write: no settling meanwhile. */
  #hurry = 0;
  /** Rows ever added to #noted, and ever taken from it and folded (or left to a scan). */
  #pushed = 0;
  #taken = 0;
  /** Callers waiting for the rows noted before their call to be folded. */
  #flushes: Array<{ upTo: number; resolve: () => void }> = [];

  readonly #settleMs: number;

  /**
   * `kv` holds the entries and todo rows, `treeKv` the trees (the same database in some tests);
   * `crowded`: many entries share a partition key (see TableSchema.crowded).
   */
  constructor(
    readonly kv: Deno.Kv,
    readonly treeKv: Deno.Kv,
    readonly table: string,
    crowded = false,
  ) {
    this.#settleMs = crowded ? CROWDED_SETTLE_MS : SETTLE_MS;
  }

  nodeKey(partition: number, prefix: Uint8Array): Deno.KvKey {
    return [NODE, this.table, partition, prefix];
  }

  /** The hash of a partition's root node (EMPTY_HASH when the partition holds nothing). */
  async root(partition: number): Promise<Uint8Array> {
    const r = await this.treeKv.get<Uint8Array>(this.nodeKey(partition, ROOT));
    return r.value ? sha256(r.value) : EMPTY_HASH;
  }

  /** The nodes at these prefixes of a partition's tree (null where there is none). */
  async nodes(partition: number, prefixes: Uint8Array[]): Promise<(MerkleNode | null)[]> {
    const reads = [];
    for (let i = 0; i < prefixes.length; i += READ_BATCH) {
      const keys = prefixes.slice(i, i + READ_BATCH).map((p) => this.nodeKey(partition, p));
      reads.push(this.treeKv.getMany<Uint8Array[]>(keys));
    }
    return (await Promise.all(reads)).flat().map((r) => r.value ? decodeNode(r.value) : null);
  }

  /** Starts folding todo rows: those left from before, then after each write (kick). */
  start(): void {
    this.#started = true;
    this.kick();
  }

  /** Stops the updater, once the batch in progress (if any) is committed. */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    for (const f of this.#flushes.splice(0)) f.resolve();
  }

  /**
   * Resolves once the rows committed before the call are folded. Anti-entropy compares trees,
   * not entries: without this, a write made just before a peer came back would wait for the
   * next periodic pass to reach it.
   */
  flush(): Promise<void> {
    if (!this.#started) return Promise.resolve();
    const upTo = this.#pushed;
    if (this.#taken >= upTo && !this.#scan) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushes.push({ upTo, resolve });
      this.kick();
    });
  }

  #settleFlushes(): void {
    if (this.#scan) return;
    this.#flushes = this.#flushes.filter((f) => {
      if (f.upTo > this.#taken) return true;
      f.resolve();
      return false;
    });
  }

  /** Rows a commit (with this versionstamp) just wrote: folded shortly. */
  noted(rows: TodoRow[], versionstamp: string): void {
    // Noted while scanning too: a row committed after the last scan read must not be missed
    // (one folded twice is folded the same).
    if (this.#noted.length + rows.length > MAX_NOTED) {
      // Dropped, not lost: the rows are in KV, and a flush waits for the scan that finds them.
      this.#taken += this.#noted.length;
      this.#noted = [];
      this.#scan = true;
    } else {
      for (const r of rows) this.#noted.push({ ...r, versionstamp });
    }
    this.#pushed += rows.length;
    this.kick();
  }

  /** Folds new todo rows shortly (called after each write); nothing until started. */
  kick = (): void => {
    if (!this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#hurry > 0 || this.#flushes.length || this.#noted.length >= TODO_WINDOW) {
      clearTimeout(this.#timer);
      this.#run();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#run, this.#settleMs);
    }
  };

  #run = (): void => {
    this.#timer = undefined;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else {
        for (const f of this.#idle.splice(0)) f();
      }
    });
  };

  /** Resolves once no todo row is left: the trees hold every write committed (for tests). */
  async idle(): Promise<void> {
    if (!this.#started) throw new Error(`${this.table}: Merkle updater not started`);
    this.#hurry++;
    try {
      while ((await this.#todo(1)).length > 0) {
        // Rows written by other means than this process's commits are found by a scan.
        this.#scan = true;
        await new Promise<void>((resolve) => {
          this.#idle.push(resolve);
          this.kick();
        });
      }
    } finally {
      this.#hurry--;
    }
  }

  async #todo(limit: number): Promise<Deno.KvEntry<Uint8Array>[]> {
    const rows: Deno.KvEntry<Uint8Array>[] = [];
    const it = this.kv.list<Uint8Array>({ prefix: [TODO, this.table] }, { limit });
    for await (const e of it) rows.push(e);
    return rows;
  }

  async #drain(): Promise<void> {
    /** Rows taken from #noted for the fold under way. */
    let folding = 0;
    try {
      for (let first = true;; first = false) {
        if (!this.#started) return;
        let rows: Deno.KvEntry<Uint8Array>[];
        let taken = 0;
        if (this.#scan) {
          const pushed = this.#pushed;
          rows = await this.#todo(TODO_WINDOW);
          if (rows.length === 0) {
            // Rows committed from here on are noted; those before are all in the scans so far,
            // and those noted before this scan began need no second fold.
            this.#scan = false;
            const covered = Math.min(this.#noted.length, pushed - this.#taken);
            if (covered > 0) {
              this.#noted.splice(0, covered);
              this.#taken += covered;
            }
          }
        } else if (
          !first && this.#hurry === 0 && !this.#flushes.length && this.#noted.length < TODO_WINDOW
        ) {
          // Rows noted during the fold: they settle as the first ones did.
          if (this.#noted.length) this.#again = true;
          return;
        } else {
          rows = this.#noted.splice(0, TODO_WINDOW);
          taken = rows.length;
        }
        if (rows.length === 0) {
          this.#settleFlushes();
          return;
        }
        folding = taken;
        await foldTodo(this, rows);
        folding = 0;
        this.#taken += taken;
        this.#settleFlushes();
      }
    } catch (e) {
      log.warn("Merkle tree update failed; will retry", { table: this.table, error: e });
      // The rows of the failed fold are still in KV: the retry finds them by a scan.
      this.#taken += folding;
      this.#scan = true;
      if (this.#started) this.#timer = setTimeout(this.#run, RETRY_MS);
    }
  }
}
