/** Access keys (fully replicated table `key`). */
import { type Lww, lww, type LwwMap, mergeLww, mergeLwwMap } from "../../table/crdt.ts";
import type { TableSchema } from "../../table/schema.ts";
import { randomHex } from "../../util/ids.ts";
import type { BucketPermission } from "./permission.ts";

export interface KeyEntry {
  id: string;
  secret: string;
  created: number;
  deleted: boolean;
  name: Lww<string>;
  allowCreateBucket: Lww<boolean>;
  /** bucket id → rights of this key on it */
  buckets: LwwMap<BucketPermission>;
  /** alias name → bucket id (null: alias removed); only this key sees these names */
  localAliases: LwwMap<string | null>;
  expiration: Lww<number | null>;
}

export function newAccessKeyId(): string {
  return "GK" + randomHex(12);
}

export function newSecretKey(): string {
  return randomHex(32);
}

export function isValidAccessKeyId(id: string): boolean {
  return /^GK[0-9a-f]{24}$/.test(id);
}

export function newKey(name: string, id = newAccessKeyId(), secret = newSecretKey()): KeyEntry {
  return {
    id,
    secret,
    created: Date.now(),
    deleted: false,
    name: lww(name),
    allowCreateBucket: lww(false),
    buckets: {},
    localAliases: {},
    expiration: lww(null),
  };
}

/** A deleted key keeps only its id: its secret and rights are gone on every replica. */
export function deletedKey(id: string): KeyEntry {
  return {
    id,
    secret: "",
    created: 0,
    deleted: true,
    name: lww("", 0),
    allowCreateBucket: lww(false, 0),
    buckets: {},
    localAliases: {},
    expiration: lww(null, 0),
  };
}

/**
 * The key table's schema. A key's rights on a deleted bucket are dropped when entries merge:
 * bucket deletion is final, so every replica drops them alike, and a key's entry stays well
 * under Deno KV's 64 KiB however many buckets it ever had.
 */
export function keySchema(isDeletedBucket: (id: string) => boolean): TableSchema<KeyEntry> {
  const live = <T>(m: LwwMap<T>) =>
    Object.fromEntries(Object.entries(m).filter(([id]) => !isDeletedBucket(id)));
  return {
    name: "key",
    replication: "full",
    partitionKey: (e) => e.id,
    sortKey: () => "",
    isTombstone: (e) => e.deleted,
    merge(a, b) {
      if (a.deleted || b.deleted) return deletedKey(a.id);
      return {
        id: a.id,
        secret: a.secret || b.secret,
        created: Math.min(a.created, b.created),
        deleted: false,
        name: mergeLww(a.name, b.name),
        allowCreateBucket: mergeLww(a.allowCreateBucket, b.allowCreateBucket),
        buckets: live(mergeLwwMap(a.buckets, b.buckets)),
        localAliases: Object.fromEntries(
          Object.entries(mergeLwwMap(a.localAliases, b.localAliases)).filter(([, { v }]) =>
            v === null || !isDeletedBucket(v)
          ),
        ),
        expiration: mergeLww(a.expiration ?? lww(null, 0), b.expiration ?? lww(null, 0)),
      };
    },
  };
}
