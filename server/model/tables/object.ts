/**
 * Objects (sharded table `object`, partition key = bucket id, sort key = object key).
 * An entry holds the latest complete version and any newer ones still uploading.
 */
import type { SseMeta } from "../objects/sse.ts";
import type { TableSchema } from "../../table/schema.ts";
import { compareKeys } from "../../util/order.ts";

export type ChecksumValue = { alg: string; value: string; type?: "FULL_OBJECT" | "COMPOSITE" };

export interface ObjectMeta {
  size: number;
  etag: string;
  /** Stored response headers: content-type, cache-control, x-amz-meta-*, … */
  headers: Array<[string, string]>;
  checksum?: ChecksumValue;
  /** Number of parts, for objects made by a multipart upload. */
  parts?: number;
  /** Set when the object is encrypted with a customer's key (SSE-C). */
  sse?: SseMeta;
}

export type VersionData =
  | { t: "delete" }
  | { t: "inline"; meta: ObjectMeta; bytes: Uint8Array }
  | { t: "blocks"; meta: ObjectMeta };

export type VersionState =
  | { s: "uploading" }
  | { s: "complete"; data: VersionData }
  | { s: "aborted" };

export interface ObjectVersion {
  uuid: string;
  timestamp: number;
  state: VersionState;
}

export interface ObjectEntry {
  bucketId: string;
  key: string;
  versions: ObjectVersion[];
}

const RANK = { uploading: 0, complete: 1, aborted: 2 } as const;

function mergeState(a: VersionState, b: VersionState): VersionState {
  if (RANK[a.s] !== RANK[b.s]) return RANK[a.s] > RANK[b.s] ? a : b;
  return a;
}

function versionOrder(a: ObjectVersion, b: ObjectVersion): number {
  return a.timestamp - b.timestamp || compareKeys(a.uuid, b.uuid);
}

/** The newest complete version, if any. */
export function lastComplete(e: ObjectEntry): ObjectVersion | undefined {
  for (let i = e.versions.length - 1; i >= 0; i--) {
    if (e.versions[i].state.s === "complete") return e.versions[i];
  }
  return undefined;
}

/** A complete version holding data (no delete marker). */
export type VisibleVersion = ObjectVersion & {
  state: { s: "complete"; data: Exclude<VersionData, { t: "delete" }> };
};

/** What a reader sees: the newest complete version unless it is a delete marker. */
export function visibleVersion(e: ObjectEntry | undefined): VisibleVersion | undefined {
  if (!e) return undefined;
  const v = lastComplete(e);
  if (!v || v.state.s !== "complete" || v.state.data.t === "delete") return undefined;
  return v as VisibleVersion;
}

/** Versions that may own blocks (all but inline data and delete markers). */
export function mayHaveBlocks(v: ObjectVersion): boolean {
  return v.state.s !== "complete" || v.state.data.t === "blocks";
}

/**
 * Union of versions by uuid (a version's timestamp is the latest it was given: an upload is
 * dated again when it completes, so the last to complete wins), keeping the newest complete
 * version and everything newer, as Garage does.
 */
export function mergeObjects(a: ObjectEntry, b: ObjectEntry): ObjectEntry {
  const byId = new Map<string, ObjectVersion>();
  for (const v of [...a.versions, ...b.versions]) {
    const prev = byId.get(v.uuid);
    byId.set(
      v.uuid,
      prev
        ? {
          uuid: v.uuid,
          timestamp: Math.max(prev.timestamp, v.timestamp),
          state: mergeState(prev.state, v.state),
        }
        : v,
    );
  }
  const versions = [...byId.values()].sort(versionOrder);
  let last = -1;
  for (let i = versions.length - 1; i >= 0; i--) {
    if (versions[i].state.s === "complete") {
      last = i;
      break;
    }
  }
  return {
    bucketId: a.bucketId,
    key: a.key,
    versions: last > 0 ? versions.slice(last) : versions,
  };
}

/** Per-bucket counters kept on the replicas of the bucket's object partition. */
export function bucketStatKey(bucketId: string, stat: "objects" | "bytes"): Deno.KvKey {
  return ["bucket_stat", bucketId, stat];
}

function sizeOf(e: ObjectEntry | undefined): number | undefined {
  const v = visibleVersion(e);
  return v ? v.state.data.meta.size : undefined;
}

/** A signed delta as a KvU64 increment (sums wrap modulo 2^64). */
function wrap(n: number): bigint {
  return n >= 0 ? BigInt(n) : (1n << 64n) + BigInt(n);
}

function statEffects(old: ObjectEntry | undefined, now: ObjectEntry): Array<[Deno.KvKey, bigint]> {
  const before = sizeOf(old);
  const after = sizeOf(now);
  const objects = (after === undefined ? 0 : 1) - (before === undefined ? 0 : 1);
  const bytes = (after ?? 0) - (before ?? 0);
  const out: Array<[Deno.KvKey, bigint]> = [];
  if (objects) out.push([bucketStatKey(now.bucketId, "objects"), wrap(objects)]);
  if (bytes) out.push([bucketStatKey(now.bucketId, "bytes"), wrap(bytes)]);
  return out;
}

/** Queued when a version that may own blocks is dropped or aborted. */
export const RELEASE_VERSION = "releaseVersion";

export const objectSchema: TableSchema<ObjectEntry> = {
  name: "object",
  replication: "sharded",
  // Every GET and PUT reads its object's entry; small objects are served from it.
  cacheBytes: 16 * 1024 * 1024,
  // Bucket id and key are in the entry's KV key already: a quarter less to read per listed object.
  stored: ({ bucketId: _bucket, key: _key, ...rest }) => rest,
  restored: (v, bucketId, key) => ({
    bucketId,
    key,
    ...(v as Omit<ObjectEntry, "bucketId" | "key">),
  }),
  partitionKey: (e) => e.bucketId,
  sortKey: (e) => e.key,
  merge: mergeObjects,
  isTombstone(e) {
    return e.versions.length === 1 && e.versions[0].state.s === "complete" &&
      e.versions[0].state.data.t === "delete";
  },
  updated(old, now) {
    const kept = new Map(now.versions.map((v) => [v.uuid, v]));
    // An upload in progress that a newer write pushes out is not released here: its uploader
    // completes it (dated anew, it comes back as the newest) or releases it when it fails.
    const released = (old?.versions ?? []).filter((v) => {
      if (!mayHaveBlocks(v)) return false;
      const k = kept.get(v.uuid);
      if (!k) return v.state.s !== "uploading";
      return k.state.s === "aborted" && v.state.s !== "aborted";
    });
    return {
      queue: released.map((v) => ({ kind: RELEASE_VERSION, payload: v.uuid })),
      sums: statEffects(old, now),
    };
  },
};
