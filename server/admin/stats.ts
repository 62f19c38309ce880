/**
 * Per-bucket object and byte counts. They are KvU64 sums kept by the replicas of the bucket's
 * object partition; another node asks one of those replicas.
 */
import type { Model } from "../model/model.ts";
import { bucketStatKey } from "../model/object.ts";
import { mpuSortKey } from "../model/mpu.ts";
import type { System } from "../rpc/system.ts";
import { log } from "../util/log.ts";

const STATS_RPC = "admin/bucket_stats";
const PAGE = 1000;
/** Past this many uploads, parts are not counted (the answer stays quick). */
const MAX_UPLOADS_DETAILED = 1000;

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
  sys.rpc.register(STATS_RPC, (msg) => localBucketStats(sys.kv, msg as string));
}

/** Counts from this node if it holds the bucket's partition, else from the first replica that answers. */
export async function bucketStats(sys: System, bucketId: string): Promise<BucketStats> {
  const nodes = sys.nodesForKey(bucketId);
  if (nodes.length === 0 || nodes.includes(sys.id)) return await localBucketStats(sys.kv, bucketId);
  for (const n of nodes) {
    try {
      return await sys.rpc.call<BucketStats>(n, STATS_RPC, bucketId, { timeoutMs: 5_000 });
    } catch (e) {
      log.debug("bucket stats: replica did not answer", { node: n.slice(0, 16), error: e });
    }
  }
  return { objects: 0, bytes: 0 };
}

export interface UploadStats {
  uploads: number;
  parts: number;
  bytes: number;
}

/** Multipart uploads still open in a bucket, with their parts and bytes. */
export async function uploadStats(model: Model, bucketId: string): Promise<UploadStats> {
  const out: UploadStats = { uploads: 0, parts: 0, bytes: 0 };
  let start: string | undefined;
  for (;;) {
    const page = await model.uploads.range(bucketId, { start, limit: PAGE });
    for (const u of page) {
      if (u.deleted) continue;
      out.uploads++;
      if (out.uploads > MAX_UPLOADS_DETAILED) continue;
      for (const p of await model.allParts(u.uploadId)) {
        if (p.deleted) continue;
        out.parts++;
        out.bytes += p.size;
      }
    }
    if (page.length < PAGE) return out;
    const last = page[page.length - 1];
    start = mpuSortKey(last.key, last.uploadId) + "\u0000";
  }
}
