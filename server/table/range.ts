/**
 * Range reads of one table partition key straight from Deno KV, where a table keeps its
 * entries under [t, table, partition, pk, sk]. Shared by the store and by threads that read
 * the same database through a connection of their own.
 */
import { partitionOf } from "../util/ids.ts";

export interface RangeQuery {
  /** First sort key to return (inclusive). */
  start?: string;
  /** Sort key to stop before (exclusive). */
  end?: string;
  limit?: number;
  reverse?: boolean;
}

/** Entries per Deno KV read of a range scan, at most (batches are split evenly). */
const SCAN_BATCH = 512;

function selectorOf(table: string, pk: string, q: RangeQuery): Deno.KvListSelector {
  const prefix = ["t", table, partitionOf(pk), pk];
  if (q.start !== undefined && q.end !== undefined) {
    return { start: [...prefix, q.start], end: [...prefix, q.end] };
  }
  if (q.start !== undefined) return { prefix, start: [...prefix, q.start] };
  if (q.end !== undefined) return { prefix, end: [...prefix, q.end] };
  return { prefix };
}

/**
 * Entries of one partition key in sort-key order, each read by `view` from its bytes as it
 * arrives, so that only the views are held: a listing's raw KV entries are most of its
 * garbage.
 */
export async function readRange<V>(
  kv: Deno.Kv,
  table: string,
  pk: string,
  q: RangeQuery,
  view: (sk: string, bytes: Uint8Array) => V,
): Promise<V[]> {
  const selector = selectorOf(table, pk, q);
  const out: V[] = [];
  let left = q.limit ?? Infinity;
  // Even batches: a listing's 1,001 entries (a page and the one that says more follow) are two
  // reads of 501 and 500, not 512, 489 and a third round trip.
  const size = Number.isFinite(left) ? Math.ceil(left / Math.ceil(left / SCAN_BATCH)) : SCAN_BATCH;
  let cursor: string | undefined;
  while (left > 0) {
    const limit = Math.min(size, left);
    left -= limit;
    const it = kv.list<Uint8Array>(selector, {
      limit,
      cursor,
      reverse: q.reverse,
      batchSize: limit,
    });
    const before = out.length;
    for await (const e of it) out.push(view(e.key[4] as string, e.value));
    if (out.length - before < limit) break;
    cursor = it.cursor;
  }
  return out;
}
