/**
 * Folds todo rows into the Merkle trees, a batch per commit. The rows are taken in key hash
 * order, so that a batch's rows share as much of their paths as they can. Each node a batch
 * touches is read once, rebuilt once from all its rows below it, and written once, in one
 * atomic commit to the trees' database: the trees never show half a batch. The batch's rows are
 * deleted after, from the entries' database; after a crash between the two they are simply
 * folded again (folding what a tree already holds changes nothing, and an entry's rows are
 * always folded in the order they were written: scans go in key order, the sequence number
 * last). A todo row is never rewritten (each write makes a row of its own), so rows are deleted
 * without a check and a batch is bounded by Deno KV's sizes alone: nodes near the root,
 * rewritten once per batch, cost less the more rows a batch holds.
 */
import { hex } from "../util/ids.ts";
import { compareBytes, sameBytes } from "../util/order.ts";
import { Commits, keyBytes, MAX_BYTES, MAX_KEY_BYTES, MAX_MUTATIONS } from "./kv_commits.ts";
import type { MerkleTree } from "./merkle.ts";
import {
  childPrefix,
  EMPTY_HASH,
  encodeNode,
  isInner,
  keyHash,
  type Leaf,
  leaf,
  type MerkleNode,
  ROOT,
  sha256,
} from "./merkle_node.ts";

/** Entries per commit at most (fewer when their nodes would not fit one). */
const BATCH = 400;

/** What todo rows ask: the leaf of entry (pk, sk) set to `hash` (the latest), or removed. */
interface Change {
  /** Every row for the entry; the last, with the highest sequence number, gives `hash`. */
  rows: Deno.KvEntry<Uint8Array>[];
  /** The sequence number of the latest row. */
  seq: number;
  partition: number;
  pk: string;
  sk: string;
  /** The entry's key hash: its path down the tree. */
  path: Uint8Array;
  hash?: Uint8Array;
}

/** An entry below a position: its leaf, and its path. */
type Placed = Leaf & { path: Uint8Array };

interface Slot {
  key: Deno.KvKey;
  node: MerkleNode | null;
}

/** A node the batch changed: its new bytes, or undefined to delete it. */
type Written = Slot & { bytes?: Uint8Array };

/**
 * The nodes a batch works on, read from KV once and written back once. What it read can outlive
 * it: a batch too large to commit is folded again, smaller, from the same reads.
 */
class Batch {
  readonly #written = new Map<string, Written>();
  mutations = 0;
  bytes = 0;
  keyBytes = 0;

  constructor(readonly tree: MerkleTree, readonly read: Map<string, Slot> = new Map()) {}

  #id(partition: number, prefix: Uint8Array): string {
    return `${partition}:${hex(prefix)}`;
  }

  /** Reads the nodes at these positions that the batch does not hold yet. */
  async load(at: Array<[number, Uint8Array]>): Promise<void> {
    const byPartition = new Map<number, Map<string, Uint8Array>>();
    for (const [p, prefix] of at) {
      const id = this.#id(p, prefix);
      if (this.read.has(id) || this.#written.has(id)) continue;
      const missing = byPartition.get(p) ?? new Map<string, Uint8Array>();
      byPartition.set(p, missing.set(id, prefix));
    }
    await Promise.all([...byPartition].map(async ([p, missing]) => {
      const prefixes = [...missing.values()];
      const nodes = await this.tree.nodes(p, prefixes);
      [...missing.keys()].forEach((id, i) => {
        this.read.set(id, { key: this.tree.nodeKey(p, prefixes[i]), node: nodes[i] });
      });
    }));
  }

  async node(partition: number, prefix: Uint8Array): Promise<MerkleNode | null> {
    const id = this.#id(partition, prefix);
    const slot = this.#written.get(id) ?? this.read.get(id);
    if (slot) return slot.node;
    await this.load([[partition, prefix]]);
    return this.read.get(id)!.node;
  }

  /** Replaces a node (null: removes it); returns its new hash. */
  put(partition: number, prefix: Uint8Array, node: MerkleNode | null): Uint8Array {
    const id = this.#id(partition, prefix);
    const bytes = node ? encodeNode(node) : undefined;
    const key = this.tree.nodeKey(partition, prefix);
    const before = this.#written.get(id);
    if (before) {
      this.bytes -= before.bytes?.length ?? 0;
    } else {
      this.mutations++;
      this.keyBytes += keyBytes(key);
    }
    this.bytes += bytes?.length ?? 0;
    this.#written.set(id, { key, node, bytes });
    return bytes ? sha256(bytes) : EMPTY_HASH;
  }

  /** How full a commit of the batch's nodes would be: above 1, past one of Deno KV's limits. */
  fill(): number {
    return Math.max(
      this.mutations / MAX_MUTATIONS,
      (this.bytes + this.keyBytes) / MAX_BYTES,
      this.keyBytes / MAX_KEY_BYTES,
    );
  }

  write(op: Deno.AtomicOperation): void {
    for (const { key, bytes } of this.#written.values()) {
      if (bytes) op.set(key, bytes);
      else op.delete(key);
    }
  }
}

export async function foldTodo(tree: MerkleTree, rows: Deno.KvEntry<Uint8Array>[]): Promise<void> {
  const byEntry = new Map<string, Change>();
  for (const row of rows) {
    const c = changeOf(row);
    const id = `${c.partition}\u0000${c.pk}\u0000${c.sk}`;
    const prev = byEntry.get(id);
    if (!prev) byEntry.set(id, c);
    else if (c.seq > prev.seq) byEntry.set(id, { ...c, rows: [...prev.rows, row] });
    else prev.rows.push(row);
  }
  const changes = [...byEntry.values()].sort((a, b) =>
    a.partition - b.partition || compareBytes(a.path, b.path)
  );
  for (let i = 0; i < changes.length;) i += await foldBatch(tree, changes.slice(i, i + BATCH));
}

/**
 * Changes per batch that last filled about HEADROOM of a commit, per tree: a batch that does not
 * fit is folded again, so starting near the right size spares most of that. Under a first-level
 * node of 256 children (9 KB) per few rows, 400 rows overflowed a commit and were folded again
 * as 200: nearly three rows folded per row committed.
 */
const batchSizes = new WeakMap<MerkleTree, number>();
const HEADROOM = 0.9;

/** Folds as many of these changes as one commit holds (from the first); returns how many. */
async function foldBatch(tree: MerkleTree, changes: Change[]): Promise<number> {
  const size = batchSizes.get(tree) ?? BATCH;
  const read = new Map<string, Slot>();
  let n = Math.min(changes.length, size);
  let batch: Batch;
  for (;;) {
    batch = new Batch(tree, read);
    await fold(batch, changes.slice(0, n));
    const fill = batch.fill();
    const suggested = Math.max(1, Math.min(BATCH, Math.floor(n * HEADROOM / fill)));
    // A short last batch says nothing about how many rows fit.
    if (fill > 1 || n === size) batchSizes.set(tree, suggested);
    if (fill <= 1 || n === 1) break;
    n = Math.min(n - 1, suggested);
  }
  const op = tree.treeKv.atomic();
  batch.write(op);
  await op.commit();
  await deleteRows(tree.kv, changes.slice(0, n));
  return n;
}

/** Deletes folded rows, in as few commits as Deno KV's limits allow. */
async function deleteRows(kv: Deno.Kv, changes: Change[]): Promise<void> {
  const out = new Commits(kv);
  for (const c of changes) {
    for (const row of c.rows) await out.add(row.key, (op) => op.delete(row.key));
  }
  await out.flush();
}

function changeOf(row: Deno.KvEntry<Uint8Array>): Change {
  // The todo key is the entry's and a sequence number: [mt, table, partition, pk, sk, seq].
  const [, , partition, pk, sk, seq] = row.key as [string, string, number, string, string, number];
  const hash = row.value.length ? row.value : undefined;
  return { rows: [row], partition, pk, sk, path: keyHash(pk, sk), hash, seq };
}

async function fold(batch: Batch, changes: Change[]): Promise<void> {
  await prefetch(batch, changes);
  for (const [p, group] of Map.groupBy(changes, (c) => c.partition)) {
    await update(batch, p, ROOT, group);
  }
}

/** Reads the paths of all rows level by level, many nodes per read, before any update. */
async function prefetch(batch: Batch, changes: Change[]): Promise<void> {
  let pending = changes;
  for (let depth = 0; pending.length; depth++) {
    const at = pending.map((c): [number, Uint8Array] => [c.partition, c.path.slice(0, depth)]);
    await batch.load(at);
    const deeper: Change[] = [];
    for (const [i, c] of pending.entries()) {
      if (isInner(await batch.node(...at[i]))) deeper.push(c);
    }
    pending = deeper;
  }
}

/**
 * Applies changes to the subtree at `prefix` (a prefix of their paths), keeping it in the only
 * shape its entries allow: a leaf where a single entry is below, an inner node where several
 * are. Returns the subtree's new hash, or undefined when nothing changed.
 */
async function update(
  batch: Batch,
  p: number,
  prefix: Uint8Array,
  changes: Change[],
): Promise<Uint8Array | undefined> {
  const node = await batch.node(p, prefix);
  if (!isInner(node)) return rebuild(batch, p, prefix, node, changes);
  const children = new Map(node.children);
  let changed = false;
  for (const [byte, group] of Map.groupBy(changes, (c) => c.path[prefix.length])) {
    const sub = await update(batch, p, childPrefix(prefix, byte), group);
    if (!sub) continue;
    changed = true;
    if (sameBytes(sub, EMPTY_HASH)) children.delete(byte);
    else children.set(byte, sub);
  }
  if (!changed) return undefined;
  const sorted = [...children].sort(([a], [b]) => a - b);
  if (sorted.length === 1) {
    // Removals left one child: if that is a leaf, it is the only entry below, and moves up.
    const at = childPrefix(prefix, sorted[0][0]);
    const only = await batch.node(p, at);
    if (!isInner(only)) {
      batch.put(p, at, null);
      return batch.put(p, prefix, only);
    }
  }
  return batch.put(p, prefix, sorted.length ? { children: sorted } : null);
}

/** Applies changes at a position with at most one entry below: a leaf, or nothing. */
function rebuild(
  batch: Batch,
  p: number,
  prefix: Uint8Array,
  node: Leaf | null,
  changes: Change[],
): Uint8Array | undefined {
  const entries = new Map<string, Placed>();
  if (node) {
    const id = idOf(node);
    // An overwrite names the leaf's own entry, whose path its change already holds.
    const path = changes.find((c) => idOf(c) === id)?.path ?? keyHash(node.pk, node.sk);
    entries.set(id, { ...node, path });
  }
  let changed = false;
  for (const c of changes) {
    const had = entries.get(idOf(c));
    if (c.hash && !(had && sameBytes(had.hash, c.hash))) {
      entries.set(idOf(c), { pk: c.pk, sk: c.sk, hash: c.hash, path: c.path });
      changed = true;
    } else if (!c.hash && had) {
      entries.delete(idOf(c));
      changed = true;
    }
  }
  return changed ? build(batch, p, prefix, [...entries.values()]) : undefined;
}

/** Writes the subtree of these entries at a position that has nothing below it but a leaf. */
function build(
  batch: Batch,
  p: number,
  prefix: Uint8Array,
  entries: Placed[],
): Uint8Array {
  if (entries.length <= 1) {
    const [e] = entries;
    return batch.put(p, prefix, e ? leaf(e.pk, e.sk, e.hash) : null);
  }
  if (prefix.length === entries[0].path.length) {
    throw new Error(`two keys with one hash: ${entries.map((e) => e.sk)}`);
  }
  const groups = Map.groupBy(entries, (e) => e.path[prefix.length]);
  const children = [...groups].sort(([a], [b]) => a - b).map((
    [byte, group],
  ): [number, Uint8Array] => [byte, build(batch, p, childPrefix(prefix, byte), group)]);
  return batch.put(p, prefix, { children });
}

function idOf({ pk, sk }: { pk: string; sk: string }): string {
  return JSON.stringify([pk, sk]);
}
