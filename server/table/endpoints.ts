/** The RPC endpoints of one replicated table, as its replicas call each other. */
import { endpoint } from "../rpc/endpoint.ts";
import type { MerkleNode } from "./merkle_node.ts";
import type { RangeQuery } from "./range.ts";
import type { DeleteItem } from "./store.ts";
import type { EntryKey } from "./sync.ts";

/** Entries travel msgpack-encoded: a peer merges them as they were written. */
type Encoded = Uint8Array;

export function tableEndpoints(table: string) {
  const at = `table/${table}`;
  return {
    /** Merges entries in. */
    update: endpoint<Encoded[], null>(`${at}/update`),
    /** Merges an entry in and answers what the replica then holds. */
    updateRead: endpoint<Encoded, Encoded | null>(`${at}/update_read`),
    get: endpoint<{ pk: string; sk: string }, Encoded | null>(`${at}/get`),
    range: endpoint<{ pk: string; q: RangeQuery }, Encoded[]>(`${at}/range`),
    /** Deletes entries still byte for byte what was handed over (see handover.ts). */
    deleteIfUnchanged: endpoint<DeleteItem[], number>(`${at}/delete_if_unchanged`),
    merkle: {
      roots: endpoint<number[], Uint8Array[]>(`${at}/merkle/roots`),
      root: endpoint<number, Uint8Array>(`${at}/merkle/root`),
      nodes: endpoint<{ p: number; prefixes: Uint8Array[] }, (MerkleNode | null)[]>(
        `${at}/merkle/nodes`,
      ),
      entries: endpoint<EntryKey[], (Encoded | null)[]>(`${at}/merkle/entries`),
      apply: endpoint<Encoded[], null>(`${at}/merkle/apply`),
    },
  };
}

export type TableEndpoints = ReturnType<typeof tableEndpoints>;
