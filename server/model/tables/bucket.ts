/** Buckets (fully replicated table `bucket`) and their global aliases (table `bucket_alias`). */
import { type Lww, lww, type LwwMap, mergeLww, mergeLwwMap } from "../../table/crdt.ts";
import type { TableSchema } from "../../table/schema.ts";
import type { BucketPermission } from "./permission.ts";
import type { WebsiteConfig } from "../buckets/website.ts";

export interface Quotas {
  maxSize: number | null;
  maxObjects: number | null;
}

export interface BucketEntry {
  id: string;
  created: number;
  deleted: boolean;
  /** global alias name → active */
  aliases: LwwMap<boolean>;
  /** "<keyId>/<name>" → active */
  localAliases: LwwMap<boolean>;
  /** key id → its rights on this bucket */
  keys: LwwMap<BucketPermission>;
  website: Lww<WebsiteConfig | null>;
  quotas: Lww<Quotas>;
  /** Bucket sub-resources kept as the XML-derived JSON the S3 API accepted (CORS, lifecycle…). */
  config: LwwMap<unknown>;
}

export function newBucket(id: string): BucketEntry {
  return {
    id,
    created: Date.now(),
    deleted: false,
    aliases: {},
    localAliases: {},
    keys: {},
    website: lww(null, 0),
    quotas: lww({ maxSize: null, maxObjects: null }, 0),
    config: {},
  };
}

export function deletedBucket(id: string): BucketEntry {
  return { ...newBucket(id), created: 0, deleted: true };
}

export const bucketSchema: TableSchema<BucketEntry> = {
  name: "bucket",
  replication: "full",
  partitionKey: (e) => e.id,
  sortKey: () => "",
  isTombstone: (e) => e.deleted,
  merge(a, b) {
    if (a.deleted || b.deleted) return deletedBucket(a.id);
    return {
      id: a.id,
      created: Math.min(a.created, b.created),
      deleted: false,
      aliases: mergeLwwMap(a.aliases, b.aliases),
      localAliases: mergeLwwMap(a.localAliases, b.localAliases),
      keys: mergeLwwMap(a.keys, b.keys),
      website: mergeLww(a.website, b.website),
      quotas: mergeLww(a.quotas, b.quotas),
      config: mergeLwwMap(a.config, b.config),
    };
  },
};

export interface AliasEntry {
  name: string;
  /** bucket id, or null once the alias is removed */
  bucket: Lww<string | null>;
}

export const aliasSchema: TableSchema<AliasEntry> = {
  name: "bucket_alias",
  replication: "full",
  partitionKey: (e) => e.name,
  sortKey: () => "",
  isTombstone: (e) => e.bucket.v === null,
  merge: (a, b) => ({ name: a.name, bucket: mergeLww(a.bucket, b.bucket) }),
};

/** S3 bucket naming rules (as Garage enforces them for aliases). */
export function bucketNameError(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return "may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit";
  }
  if (/\.\.|\.-|-\./.test(name)) {
    return "must not contain two adjacent periods or a period next to a hyphen";
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not look like an IP address";
  if (name.startsWith("xn--") || name.endsWith("-s3alias")) {
    return "must not use a reserved prefix or suffix";
  }
  return undefined;
}
