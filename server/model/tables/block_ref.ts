/**
 * Who uses a block (sharded table `block_ref`, partition key = block hash, so its rows live on
 * the nodes that store the block and keep their local reference counts).
 */
import { rcEffects } from "../../block/rc.ts";
import type { TableSchema } from "../../table/schema.ts";

export interface BlockRef {
  hash: string;
  version: string;
  deleted: boolean;
}

export function blockRefSchema(graceMs: number): TableSchema<BlockRef> {
  return {
    name: "block_ref",
    replication: "sharded",
    partitionKey: (e) => e.hash,
    sortKey: (e) => e.version,
    merge: (a, b) => ({ ...a, deleted: a.deleted || b.deleted }),
    isTombstone: (e) => e.deleted,
    updated(old, now) {
      const was = !!old && !old.deleted;
      const is = !now.deleted;
      if (was === is) return {};
      return rcEffects(now.hash, is ? 1 : -1, graceMs);
    },
  };
}
