/**
 * An object of one block stored in one round trip. Written the general way, its block and rows
 * reach a quorum, then its entry does: two round trips, 100 ms between homes 50 ms apart. When
 * the block, its row, its reference and the object entry all have the same replicas (a cluster
 * of as many nodes as copies, the usual small one), one call to each replica carries them all,
 * and the replica stores the entry last: a replica that holds the entry holds its block. The
 * write succeeds once a write quorum has all four, as it did with two quorums, and this node
 * stores its own copy after another replica has: the write costs one round trip and the local
 * write, not the larger of them.
 */
import { endpoint } from "../../rpc/endpoint.ts";
import type { Model } from "../model.ts";
import type { BlockRef } from "../tables/block_ref.ts";
import type { ObjectEntry } from "../tables/object.ts";
import type { VersionBlock } from "../tables/version.ts";
import type { SingleBlock } from "./write.ts";

interface StoreObject {
  hash: string;
  data: Uint8Array;
  row: VersionBlock;
  ref: BlockRef;
  entry: ObjectEntry;
}

/** Answers the object's entry as the replica holds it once the new version is merged in. */
const STORE_OBJECT = endpoint<StoreObject, ObjectEntry | null>("model/store_single_block_object");

export function registerSingleBlockRpc(model: Model): void {
  model.sys.rpc.register(STORE_OBJECT, async ({ hash, data, row, ref, entry }, from) => {
    // Rows without an entry naming them are read by no one: they go with the block.
    await Promise.all([
      model.blocks.receive(hash, data, from),
      model.versions.store.apply([row]),
      model.blockRefs.store.apply([ref]),
    ]);
    await model.objects.store.apply([entry]);
    return await model.objects.store.get(entry.bucketId, entry.key) ?? null;
  });
}

const sameSets = (a: string[][], b: string[][]) => JSON.stringify(a) === JSON.stringify(b);

const refOf = (s: SingleBlock): BlockRef => ({
  hash: s.hash,
  version: s.row.version,
  deleted: false,
});

/**
 * Whether the block and the entry of an object in `bucketId` can travel together: they have the
 * same replicas, in one set (no layout change under way), and a write that fails leaves nothing
 * anywhere. A replica that refuses (its disk in its reserve) stores nothing, but one that takes
 * the call stores the entry at once, and it spreads from there: so this node stores only once
 * another replica has (see BlockManager.putWith), and the path is taken only where the write
 * quorum then needs no third node (1 or 2 copies written, this node one of the replicas).
 */
export function oneRoundTrip(model: Model, single: SingleBlock, bucketId: string): boolean {
  const { sys } = model;
  const sets = sys.writeSetsForKey(single.hash);
  if (sets.length !== 1 || !sets[0].includes(sys.id) || sys.writeQuorum > 2) return false;
  // This node's refusal would come after another replica had stored the entry.
  if (sys.diskFull()) return false;
  return sameSets(sets, sys.writeSetsForKey(single.row.version)) &&
    sameSets(sets, sys.writeSetsForKey(bucketId));
}

/**
 * Stores the block, its row and reference and the object entry naming it on a write quorum
 * (see oneRoundTrip); answers what the replicas that stored them hold of the entry. The block's
 * buffer is released once every replica has answered.
 */
export async function storeWithEntry(
  model: Model,
  single: SingleBlock,
  entry: ObjectEntry,
): Promise<ObjectEntry[]> {
  const msg: StoreObject = {
    hash: single.hash,
    data: single.data,
    row: single.row,
    ref: refOf(single),
    entry,
  };
  const release = await model.writeBudget.acquire();
  try {
    const answers = await model.blocks.putWith(
      single.hash,
      single.data.length,
      (node) => model.sys.rpc.call(node, STORE_OBJECT, msg),
      single.release,
      true,
    );
    return answers.filter((e) => e !== null);
  } finally {
    release();
  }
}

/** Stores the block, its row and reference on a write quorum, before an entry names them. */
export async function storeSingle(model: Model, single: SingleBlock): Promise<void> {
  const release = await model.writeBudget.acquire();
  const stored = model.blocks.put(single.hash, single.data, single.release);
  stored.then(release, release);
  await Promise.all([
    stored,
    model.versions.insert(single.row),
    model.blockRefs.insert(refOf(single)),
  ]);
}
