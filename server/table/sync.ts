/**
 * Anti-entropy between two replicas of a table partition, as in Garage: both Merkle trees are
 * walked from the root, down only where their hashes differ, and only the entries found to
 * differ are exchanged. A replica is seen only through MerkleReplica, whose calls carry plain
 * msgpack data: the peer RPC can serve one from storeReplica, and hand the other side a proxy.
 */
import { decode, encode } from "../util/msgpack.ts";
import { sameBytes } from "../util/order.ts";
import {
  childPrefix,
  isInner,
  keyHash,
  type Leaf,
  type MerkleNode,
  nodeHash,
  ROOT,
} from "./merkle_node.ts";
import type { LocalStore } from "./store.ts";

/** Positions compared per round trip, and differing positions whose entries travel together. */
const NODE_BATCH = 64;
const LEAF_BATCH = 50;

export type EntryKey = [pk: string, sk: string];

/** One replica of a table, as anti-entropy needs it; every call may be a round trip. */
export interface MerkleReplica {
  /** The hash of a partition's root node (EMPTY_HASH when the partition is empty). */
  root(partition: number): Promise<Uint8Array>;
  /** The nodes at these prefixes of a partition's tree (null where there is none). */
  nodes(partition: number, prefixes: Uint8Array[]): Promise<(MerkleNode | null)[]>;
  /** Entries msgpack-encoded, tombstones included (null where there is none). */
  entries(keys: EntryKey[]): Promise<(Uint8Array | null)[]>;
  /** Merges msgpack-encoded entries in, as any write (effects included). */
  apply(entries: Uint8Array[]): Promise<void>;
}

export interface SyncCounts {
  /** Tree positions compared: the root, and each child whose hashes differed. */
  nodes: number;
  /** Entries sent to the remote replica. */
  sent: number;
  /** Entries received from it. */
  received: number;
}

/** This node's replica of a table. */
export function storeReplica<E>(store: LocalStore<E>): MerkleReplica {
  return {
    // The tree holds the writes committed before the comparison, not only those folded.
    root: async (partition) => {
      await store.merkle.flush();
      return store.merkle.root(partition);
    },
    nodes: (partition, prefixes) => store.merkle.nodes(partition, prefixes),
    entries: (keys) =>
      Promise.all(keys.map(async ([pk, sk]) => {
        const e = await store.get(pk, sk);
        return e === undefined ? null : encode(e);
      })),
    apply: (entries) => store.apply(entries.map((b) => decode(b) as E)),
  };
}

/** A side of a position: its node, known already (a leaf seen above it) or still to read. */
const READ = Symbol("read");
type Side = MerkleNode | null | typeof READ;

interface Position {
  prefix: Uint8Array;
  local: Side;
  remote: Side;
}

/** A position once both sides are read. */
interface Read extends Position {
  local: MerkleNode | null;
  remote: MerkleNode | null;
}

/** The leaves of one position where neither side has an inner node. */
type Leaves = [local: Leaf | null, remote: Leaf | null];

/**
 * Brings a partition of two replicas to the same content: the remote's differing entries are
 * merged here, then what this side holds of them (now the merge of both) goes to the remote
 * wherever it is not what the remote had.
 */
export async function syncPartition(
  partition: number,
  local: MerkleReplica,
  remote: MerkleReplica,
): Promise<SyncCounts> {
  const counts: SyncCounts = { nodes: 1, sent: 0, received: 0 };
  const roots = await Promise.all([local.root(partition), remote.root(partition)]);
  if (sameBytes(...roots)) return counts;
  // Depth first, a batch of positions at a time: memory stays bounded by the tree's depth.
  const todo: Position[] = [{ prefix: ROOT, local: READ, remote: READ }];
  let differing: Leaves[] = [];
  while (todo.length) {
    const batch = todo.splice(-NODE_BATCH);
    await Promise.all([
      read(batch, "local", local, partition),
      read(batch, "remote", remote, partition),
    ]);
    for (const { prefix, local: l, remote: r } of batch as Read[]) {
      if (isInner(l) || isInner(r)) {
        const below = differingChildren(prefix, l, r);
        counts.nodes += below.length;
        todo.push(...below);
      } else {
        differing.push([l, r]);
      }
    }
    if (differing.length >= LEAF_BATCH || !todo.length) {
      // At most two keys a position: calls of a hundred entries at most.
      for (let i = 0; i < differing.length; i += LEAF_BATCH) {
        await exchange(differing.slice(i, i + LEAF_BATCH), local, remote, counts);
      }
      differing = [];
    }
  }
  return counts;
}

async function read(
  batch: Position[],
  side: "local" | "remote",
  replica: MerkleReplica,
  partition: number,
): Promise<void> {
  const unread = batch.filter((at) => at[side] === READ);
  if (!unread.length) return;
  const nodes = await replica.nodes(partition, unread.map((at) => at.prefix));
  unread.forEach((at, i) => at[side] = nodes[i]);
}

/** The children of a position, on either side, whose hashes differ. */
function differingChildren(
  prefix: Uint8Array,
  l: MerkleNode | null,
  r: MerkleNode | null,
): Position[] {
  const ours = new Map(children(l, prefix.length));
  const theirs = new Map(children(r, prefix.length));
  const out: Position[] = [];
  for (const byte of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(byte), b = theirs.get(byte);
    if (a && b && sameBytes(a, b)) continue;
    out.push({ prefix: childPrefix(prefix, byte), local: child(l, a), remote: child(r, b) });
  }
  return out;
}

/**
 * A node's children at a depth. A leaf counts as the one child it would be if another entry
 * came below its prefix: a leaf's hash does not depend on its depth, so a leaf on one side and
 * the inner node on the other compare child by child.
 */
function children(n: MerkleNode | null, depth: number): [number, Uint8Array][] {
  if (n === null) return [];
  if (isInner(n)) return n.children;
  return [[keyHash(n.pk, n.sk)[depth], nodeHash(n)]];
}

function child(n: MerkleNode | null, hash: Uint8Array | undefined): Side {
  if (!hash) return null;
  return isInner(n) ? READ : n;
}

async function exchange(
  differing: Leaves[],
  local: MerkleReplica,
  remote: MerkleReplica,
  counts: SyncCounts,
): Promise<void> {
  const keys = new Map<string, EntryKey>();
  const theirKeys: EntryKey[] = [];
  for (const [l, r] of differing) {
    for (const leaf of [l, r]) if (leaf) keys.set(idOf([leaf.pk, leaf.sk]), [leaf.pk, leaf.sk]);
    if (r) theirKeys.push([r.pk, r.sk]);
  }
  const theirs = new Map<string, Uint8Array>();
  if (theirKeys.length) {
    (await remote.entries(theirKeys)).forEach((b, i) => b && theirs.set(idOf(theirKeys[i]), b));
  }
  if (theirs.size) {
    await local.apply([...theirs.values()]);
    counts.received += theirs.size;
  }
  if (!keys.size) return;
  const ids = [...keys.keys()];
  const ours = await local.entries([...keys.values()]);
  const send = ours.filter((b, i): b is Uint8Array => {
    const had = theirs.get(ids[i]);
    return b !== null && !(had && sameBytes(had, b));
  });
  if (send.length) {
    await remote.apply(send);
    counts.sent += send.length;
  }
}

function idOf([pk, sk]: EntryKey): string {
  return JSON.stringify([pk, sk]);
}
