/**
 * Per-bucket object and byte counts. They are KvU64 sums kept by the replicas of the bucket's
 * object partition; another node asks one of those replicas.
 */
import type { System } from "../../rpc/system.ts";
import { endpoint } from "../../rpc/endpoint.ts";
import { log } from "../../util/log.ts";
import { bucketStatKey } from "../tables/object.ts";

/** A bucket's object and byte counts, from a node holding its partition. */
const STATS_RPC = endpoint<string, BucketStats>("model/bucket_stats");

export interface BucketStats {
  objects: number;
  bytes: number;
}

/** KvU64 sums wrap modulo 2^64: a transiently negative sum reads as a huge number. */
function signed(v: bigint): number {
  return Number(v >= 1n << 63n ? v - (1n << 64n) : v);
}

export async function localBucketStats(kv: Deno.Kv, bucketId: string): Promise<BucketStats> {
  const [o, b] = await kv.getMany<[Deno.KvU64, Deno.KvU64]>([
    bucketStatKey(bucketId, "objects"),
    bucketStatKey(bucketId, "bytes"),
  ]);
  return {
    objects: o.value ? signed(o.value.value) : 0,
    bytes: b.value ? signed(b.value.value) : 0,
  };
}

/** Every counter this node holds, by bucket id (for the metrics endpoint). */
export async function allLocalBucketStats(kv: Deno.Kv): Promise<Map<string, BucketStats>> {
  const out = new Map<string, BucketStats>();
  for await (const e of kv.list<Deno.KvU64>({ prefix: ["bucket_stat"] })) {
    const [, id, stat] = e.key as [string, string, string];
    const s = out.get(id) ?? { objects: 0, bytes: 0 };
    if (stat === "objects" || stat === "bytes") s[stat] = signed(e.value.value);
    out.set(id, s);
  }
  return out;
}

export function registerStatsRpc(sys: System): void {
  sys.rpc.register(STATS_RPC, (bucketId) => localBucketStats(sys.kv, bucketId));
}

/** Counts from this node if it holds the bucket's partition, else from the first replica that answers. */
export async function bucketStats(sys: System, bucketId: string): Promise<BucketStats> {
  const nodes = sys.nodesForKey(bucketId);
  if (nodes.length === 0 || nodes.includes(sys.id)) return await localBucketStats(sys.kv, bucketId);
  for (const n of nodes) {
    try {
      return await sys.rpc.call(n, STATS_RPC, bucketId, { timeoutMs: 5_000 });
    } catch (e) {
      log.debug("bucket stats: replica did not answer", { node: n.slice(0, 16), error: e });
    }
  }
  return { objects: 0, bytes: 0 };
}
