/**
 * Removing entries from a sharded table without losing them, as Garage does for tombstones and
 * for partitions a node no longer holds: first every node that holds the partition in a live
 * layout version stores the entries (all of them must acknowledge, a quorum is not enough), then
 * each replica deletes its copy if it is still byte for byte what was handed over.
 */
import { Priority } from "../rpc/rpc.ts";
import type { System } from "../rpc/system.ts";
import { encode } from "../util/msgpack.ts";
import { sha256 } from "./merkle_node.ts";
import type { DeleteItem, StoredEntry } from "./store.ts";
import type { Table } from "./table.ts";

/** The RPC endpoint through which a node deletes entries that others handed over or collected. */
export function serveDeletes<E>(table: Table<E>): void {
  table.sys.rpc.register(
    table.endpoints.deleteIfUnchanged,
    (items) => table.store.deleteIfUnchanged(items),
  );
}

/** Every node holding a partition in some live layout version, or undefined if one is down. */
export function reachableHolders(sys: System, partition: number): string[] | undefined {
  const nodes = [...new Set(sys.writeSetsForPartition(partition).flat())];
  return nodes.every((n) => sys.rpc.isUp(n)) ? nodes : undefined;
}

/** What identifies each entry as it was handed over. */
export function deleteItems(entries: StoredEntry[]): DeleteItem[] {
  return entries.map((s) => [s.pk, s.sk, sha256(s.bytes)]);
}

/** Stores the entries on every node given (this one excepted): all must answer. */
export async function storeOnAll<E>(
  table: Table<E>,
  nodes: string[],
  entries: StoredEntry[],
): Promise<void> {
  const msg = entries.map((s) => encode(table.store.restore(s)));
  await Promise.all(
    nodes.filter((n) => n !== table.sys.id).map((n) =>
      table.sys.rpc.call(n, table.endpoints.update, msg, { priority: Priority.Background })
    ),
  );
}

/**
 * Deletes the entries, where unchanged, on every node given (a call to this node runs
 * locally).
 */
export async function deleteOnAll<E>(
  table: Table<E>,
  nodes: string[],
  items: DeleteItem[],
): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      table.sys.rpc.call(n, table.endpoints.deleteIfUnchanged, items, {
        priority: Priority.Background,
      })
    ),
  );
}
