/** Fixtures of the Merkle tree and sync tests: a table of last-writer-wins registers. */
import { mergeLww } from "./crdt.ts";
import { hex, partitionOf } from "../util/ids.ts";
import type { TableSchema } from "./schema.ts";
import { LocalStore } from "./store.ts";

/** A register; a null value is a tombstone. */
export interface Reg {
  pk: string;
  sk: string;
  t: number;
  v: string | null;
}

export const regSchema: TableSchema<Reg> = {
  name: "regs",
  replication: "sharded",
  partitionKey: (e) => e.pk,
  sortKey: (e) => e.sk,
  // Stored without its keys, as the object table does: tree hashes are of the stored bytes.
  stored: ({ t, v }) => ({ t, v }),
  restored: (s, pk, sk) => ({ pk, sk, ...(s as { t: number; v: string | null }) }),
  merge: (a, b) => mergeLww(a, b) === a ? a : b,
  isTombstone: (e) => e.v === null,
};

export function reg(pk: string, sk: string, v: string | null, t = 1): Reg {
  return { pk, sk, t, v };
}

/** A node's store, on a Deno KV of its own, its Merkle updater running unless told not to. */
export interface Replica extends AsyncDisposable {
  kv: Deno.Kv;
  /** The Merkle trees' database. */
  trees: Deno.Kv;
  store: LocalStore<Reg>;
}

export async function replica(
  opts: {
    updating?: boolean;
    /** What the store sees of its entries' database, and of its trees'. */
    wrap?: (kv: Deno.Kv) => Deno.Kv;
    wrapTrees?: (kv: Deno.Kv) => Deno.Kv;
  } = {},
): Promise<Replica> {
  const kv = await Deno.openKv(":memory:");
  const trees = await Deno.openKv(":memory:");
  const same = (kv: Deno.Kv) => kv;
  const store = new LocalStore(
    (opts.wrap ?? same)(kv),
    regSchema,
    undefined,
    (opts.wrapTrees ?? same)(trees),
  );
  if (opts.updating ?? true) store.merkle.start();
  return {
    kv,
    trees,
    store,
    async [Symbol.asyncDispose]() {
      await store.merkle.stop();
      kv.close();
      trees.close();
    },
  };
}

/** The root hashes of the partitions of these partition keys, once the trees are current. */
export async function roots(r: Replica, pks: string[]): Promise<string[]> {
  await r.store.merkle.idle();
  const partitions = [...new Set(pks.map(partitionOf))];
  return await Promise.all(partitions.map(async (p) => hex(await r.store.merkle.root(p))));
}
