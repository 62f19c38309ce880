/**
 * Partitions a node no longer holds in any live layout version are handed to their holders
 * and then deleted here (see handover.ts), as Garage's table sync offloads them: a node that
 * leaves the layout ends up with empty tables, and one whose share shrank keeps only its share.
 */
import { PARTITIONS } from "../rpc/layout.ts";
import { deleteItems, reachableHolders, storeOnAll } from "./handover.ts";
import type { Table } from "./table.ts";

/** Entries handed over per round trip. */
const BATCH = 100;

export interface OffloadResult {
  /** Entries handed over and deleted here. */
  moved: number;
  /** Whether every partition to hand over could be (false when a holder was down). */
  complete: boolean;
}

export async function offloadPartitions<E>(table: Table<E>): Promise<OffloadResult> {
  const out: OffloadResult = { moved: 0, complete: true };
  if (table.schema.replication !== "sharded") return out;
  const { sys } = table;
  for (let p = 0; p < PARTITIONS; p++) {
    if (sys.holdersOfPartition(p).includes(sys.id) || !await table.store.holdsPartition(p)) {
      continue;
    }
    const holders = reachableHolders(sys, p);
    if (!holders?.length) {
      out.complete = false;
      continue;
    }
    for (;;) {
      const entries = await table.store.partitionEntries(p, BATCH);
      if (entries.length === 0) break;
      await storeOnAll(table, holders, entries);
      const deleted = await table.store.deleteIfUnchanged(deleteItems(entries));
      out.moved += deleted;
      // Entries rewritten here meanwhile are handed over again, but never in a loop.
      if (deleted === 0) {
        out.complete = false;
        break;
      }
    }
  }
  return out;
}
