/**
 * Objects (sharded table `object`, partition key = bucket id, sort key = object key).
 * An entry holds the latest complete version and any newer ones still uploading.
 */
import type { SseMeta } from "../objects/sse.ts";
import type { TableSchema } from "../../table/schema.ts";
import { compareKeys } from "../../util/order.ts";
import { mergeSettings, type VersionSettings } from "./settings.ts";
import { restoredVersion, storedVersion } from "./stored_version.ts";

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
  /** `conditional`: the claim of an If-Match / If-None-Match write still checking its condition. */
  | { s: "uploading"; conditional?: true }
  | { s: "complete"; data: VersionData }
  | { s: "aborted" };

export interface ObjectVersion extends VersionSettings {
  uuid: string;
  timestamp: number;
  state: VersionState;
  /**
   * The S3 version id, given to versions written while the bucket's versioning is Enabled;
   * absent on the "null" version (unversioned and Suspended buckets).
   */
  id?: string;
}

/** The version id S3 clients see. */
export function versionIdOf(v: ObjectVersion): string {
  return v.id ?? "null";
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

function versionOrder(
  a: Pick<ObjectVersion, "uuid" | "timestamp">,
  b: Pick<ObjectVersion, "uuid" | "timestamp">,
): number {
  return a.timestamp - b.timestamp || compareKeys(a.uuid, b.uuid);
}

/** The newest complete version, if any. */
export function lastComplete(e: ObjectEntry | undefined): ObjectVersion | undefined {
  if (!e) return undefined;
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
    if (!prev) {
      byId.set(v.uuid, v);
      continue;
    }
    const merged: ObjectVersion = {
      uuid: v.uuid,
      timestamp: Math.max(prev.timestamp, v.timestamp),
      state: mergeState(prev.state, v.state),
      ...mergeSettings(prev, v),
    };
    // An upload in progress has no id yet; its completion brings it.
    const id = prev.id ?? v.id;
    if (id !== undefined) merged.id = id;
    byId.set(v.uuid, merged);
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
export function wrap(n: number): bigint {
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

/**
 * Queued when a newer version replaces a complete one that owns blocks and is not kept: it is
 * released once the replacing write is on a quorum (model.ts), since until then other replicas
 * may still serve it.
 */
export const RELEASE_REPLACED = "releaseReplaced";

export interface ReplacedVersion {
  bucketId: string;
  key: string;
  uuid: string;
  timestamp: number;
}

/** Whether an entry's newest complete version is later than `v` (v was replaced there). */
export function movedPast(
  e: ObjectEntry | undefined,
  v: Pick<ObjectVersion, "uuid" | "timestamp">,
): boolean {
  const current = lastComplete(e);
  return current !== undefined && versionOrder(current, v) > 0;
}

/** Queued when a newer version pushes out one that a versioned bucket keeps (see `leaving`). */
export const KEEP_VERSION = "keepVersion";

export interface KeptVersion {
  bucketId: string;
  key: string;
  version: ObjectVersion;
}

/**
 * What becomes of the versions an update drops from an entry. The entry holds the newest
 * complete version (and newer uploads); a pushed-out complete version goes to the history
 * table when it has a version id or when what replaces it has one (the bucket became
 * versioned: the "null" version written before stays, as S3 keeps it). A "null" version
 * replaced by another "null" one (or a delete) is released once its replacement is on a quorum;
 * an aborted one at once; a version with an id that is aborted here was purged from the history,
 * which releases it.
 */
function leaving(
  old: ObjectEntry | undefined,
  now: ObjectEntry,
): { kept: ObjectVersion[]; replaced: ObjectVersion[]; released: ObjectVersion[] } {
  const byId = new Map(now.versions.map((v) => [v.uuid, v]));
  const current = lastComplete(now);
  const kept: ObjectVersion[] = [];
  const replaced: ObjectVersion[] = [];
  const released: ObjectVersion[] = [];
  for (const v of old?.versions ?? []) {
    const k = byId.get(v.uuid);
    if (k) {
      if (k.state.s === "aborted" && v.state.s !== "aborted" && !v.id && mayHaveBlocks(v)) {
        released.push(v);
      }
      continue;
    }
    // An upload in progress that a newer write pushes out is not released here: its uploader
    // completes it (dated anew, it comes back as the newest) or releases it when it fails.
    if (v.state.s === "uploading") continue;
    if (v.state.s === "complete" && (v.id || current?.id)) kept.push(v);
    else if (v.state.s === "complete" && mayHaveBlocks(v)) replaced.push(v);
    else if (mayHaveBlocks(v)) released.push(v);
  }
  return { kept, replaced, released };
}

export const objectSchema: TableSchema<ObjectEntry> = {
  name: "object",
  replication: "sharded",
  // Every GET and PUT reads its object's entry; small objects are served from it. 16 MiB held
  // 50 MiB more RSS under 32 writers (decoded entries, and the heap V8 grows for them) for no
  // measured gain: random reads over a large bucket miss either way, recent ones hit either way.
  cacheBytes: 4 * 1024 * 1024,
  // Bucket id and key are in the entry's KV key already: a quarter less to read per listed object.
  stored: ({ bucketId: _bucket, key: _key, versions, ...rest }) => ({
    ...rest,
    versions: versions.map(storedVersion),
  }),
  restored(v, bucketId, key) {
    const e = v as Omit<ObjectEntry, "bucketId" | "key">;
    return { bucketId, key, ...e, versions: e.versions.map(restoredVersion) };
  },
  crowded: true,
  partitionKey: (e) => e.bucketId,
  sortKey: (e) => e.key,
  merge: mergeObjects,
  isTombstone(e) {
    // A delete marker with a version id is a version of its own, kept until deleted by id.
    const [v] = e.versions;
    if (e.versions.length === 1 && v.state.s === "complete") {
      return v.state.data.t === "delete" && !v.id;
    }
    // Every version deleted by id or never completed.
    return e.versions.every((v) => v.state.s === "aborted");
  },
  updated(old, now) {
    const { kept, replaced, released } = leaving(old, now);
    const { bucketId, key } = now;
    return {
      queue: [
        ...released.map((v) => ({ kind: RELEASE_VERSION, payload: v.uuid })),
        ...replaced.map(({ uuid, timestamp }) => ({
          kind: RELEASE_REPLACED,
          payload: { bucketId, key, uuid, timestamp } satisfies ReplacedVersion,
        })),
        ...kept.map((version) => ({
          kind: KEEP_VERSION,
          payload: { bucketId, key, version } satisfies KeptVersion,
        })),
      ],
      sums: statEffects(old, now),
    };
  },
};
