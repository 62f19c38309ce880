/**
 * The blocks of an object version (sharded table `version`, partition key = version uuid,
 * one row per block so no entry outgrows Deno KV's value limit whatever the object size).
 */
import type { TableSchema } from "../../table/schema.ts";

/** What a version belongs to: how a repair tells a live version from one a crash left behind. */
export type VersionOwner =
  | { t: "object"; bucketId: string; key: string }
  | { t: "upload"; uploadId: string; bucketId?: string; key?: string };

export interface VersionBlock {
  version: string;
  part: number;
  offset: number;
  hash: string;
  size: number;
  deleted: boolean;
  /** On a part's first row in a completed multipart object: that part's checksum (base64). */
  partChecksum?: string;
  /** On the first row a write records: the version's owner, and when the write began (ms). */
  owner?: VersionOwner;
  at?: number;
}

export function blockSortKey(part: number, offset: number): string {
  return part.toString().padStart(5, "0") + ":" + offset.toString(16).padStart(12, "0");
}

/** Sort keys at or after this belong to parts ≥ `part`. */
export function partStart(part: number): string {
  return part.toString().padStart(5, "0") + ":";
}

export const versionSchema: TableSchema<VersionBlock> = {
  name: "version",
  replication: "sharded",
  partitionKey: (e) => e.version,
  sortKey: (e) => blockSortKey(e.part, e.offset),
  merge: (a, b) => ({ ...a, deleted: a.deleted || b.deleted }),
  isTombstone: (e) => e.deleted,
};
