/**
 * Multipart uploads: table `mpu` (partition key = bucket id, sort key = object key + upload id,
 * so uploads list per bucket in key order) and table `mpu_part` (partition key = upload id,
 * one row per uploaded part, so 10,000 parts never make one oversized entry).
 */
import type { TableSchema } from "../../table/schema.ts";
import type { ChecksumValue } from "./object.ts";
import type { SseMeta } from "../objects/sse.ts";
import type { VersionSettings } from "./settings.ts";

export interface MpuEntry {
  bucketId: string;
  key: string;
  uploadId: string;
  initiated: number;
  /** Headers the completed object will carry. */
  headers: Array<[string, string]>;
  checksumAlgorithm: string | null;
  deleted: boolean;
  /** The ETag of the object it made, once completed (completing again answers the same). */
  completedEtag?: string;
  completedChecksum?: ChecksumValue;
  /** The encryption every part must use (SSE-C), set when the upload was created. */
  sse?: SseMeta;
  /** The object lock and tags the object will start with. */
  settings?: VersionSettings;
}

export interface MpuPart {
  uploadId: string;
  part: number;
  /** Several uploads of one part number may race; the newest wins at completion. */
  timestamp: number;
  version: string;
  etag: string;
  size: number;
  checksum?: ChecksumValue;
  deleted: boolean;
}

export function mpuSortKey(key: string, uploadId: string): string {
  return key + "\u0000" + uploadId;
}

/** One row per upload of a part: two uploads in the same millisecond still get their own. */
export function partSortKey(part: number, timestamp: number, version: string): string {
  return partPrefix(part) + ":" + timestamp.toString().padStart(15, "0") + ":" + version;
}

function partPrefix(part: number): string {
  return part.toString().padStart(5, "0");
}

/** The sort keys of every upload of one part number (";" follows ":"). */
export function partRange(part: number): { start: string; end: string } {
  return { start: partPrefix(part) + ":", end: partPrefix(part) + ";" };
}

export const RELEASE_UPLOAD = "releaseUpload";

export const mpuSchema: TableSchema<MpuEntry> = {
  name: "mpu",
  replication: "sharded",
  // Each part upload reads its upload's entry.
  cacheBytes: 1024 * 1024,
  crowded: true,
  partitionKey: (e) => e.bucketId,
  sortKey: (e) => mpuSortKey(e.key, e.uploadId),
  merge: (a, b) => ({
    ...a,
    deleted: a.deleted || b.deleted,
    completedEtag: a.completedEtag ?? b.completedEtag,
    completedChecksum: a.completedChecksum ?? b.completedChecksum,
  }),
  isTombstone: (e) => e.deleted,
  updated(old, now) {
    if (!now.deleted || old?.deleted) return {};
    return { queue: [{ kind: RELEASE_UPLOAD, payload: now.uploadId }] };
  },
};

export const mpuPartSchema: TableSchema<MpuPart> = {
  name: "mpu_part",
  replication: "sharded",
  partitionKey: (e) => e.uploadId,
  sortKey: (e) => partSortKey(e.part, e.timestamp, e.version),
  merge: (a, b) => ({ ...a, deleted: a.deleted || b.deleted }),
  isTombstone: (e) => e.deleted,
};
