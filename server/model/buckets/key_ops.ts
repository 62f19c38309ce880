/** Access key operations shared by the admin API and the command line. */
import { lww, nextTimestamp } from "../../table/crdt.ts";
import {
  allKeys,
  getBucket,
  getKey,
  keyBuckets,
  removeLocalAlias,
  setPermission,
} from "./bucket_ops.ts";
import { ModelError } from "../errors.ts";
import { deletedKey, isValidAccessKeyId, type KeyEntry, newKey } from "../tables/key.ts";
import type { Model } from "../model.ts";
import { NO_PERMISSION } from "../tables/permission.ts";

export async function createKey(model: Model, name: string): Promise<KeyEntry> {
  const k = newKey(name);
  await model.keys.insert(k);
  return k;
}

export async function importKey(
  model: Model,
  id: string,
  secret: string,
  name: string,
): Promise<KeyEntry> {
  if (!isValidAccessKeyId(id)) {
    throw new ModelError(
      "badRequest",
      `"${id}" is not an access key id: it must be GK followed by 24 hex digits`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(secret)) {
    throw new ModelError("badRequest", "The secret key must be 64 hex digits");
  }
  if (model.keys.store.getCached(id, "")) {
    throw new ModelError(
      "aliasTaken",
      `Access key ${id} already exists (or existed and was deleted)`,
    );
  }
  const k = newKey(name, id, secret);
  await model.keys.insert(k);
  return k;
}

export interface KeyUpdate {
  name?: string;
  allowCreateBucket?: boolean;
  expiration?: number | null;
}

export async function updateKey(model: Model, id: string, u: KeyUpdate): Promise<KeyEntry> {
  const k = getKey(model, id);
  if (!k) throw new ModelError("noSuchKey", `Access key ${id} does not exist`);
  const next: KeyEntry = { ...k };
  if (u.name !== undefined) next.name = lww(u.name, nextTimestamp(k.name));
  if (u.allowCreateBucket !== undefined) {
    next.allowCreateBucket = lww(u.allowCreateBucket, nextTimestamp(k.allowCreateBucket));
  }
  if (u.expiration !== undefined) next.expiration = lww(u.expiration, nextTimestamp(k.expiration));
  await model.keys.insert(next);
  return getKey(model, id)!;
}

/** Deletes a key after withdrawing its rights and local aliases from every bucket. */
export async function deleteKey(model: Model, id: string): Promise<void> {
  const k = getKey(model, id);
  if (!k) throw new ModelError("noSuchKey", `Access key ${id} does not exist`);
  for (const [name, { v }] of Object.entries(k.localAliases)) {
    if (v && getBucket(model, v)) await removeLocalAlias(model, v, id, name);
  }
  for (const bucketId of Object.keys(keyBuckets(k))) {
    if (getBucket(model, bucketId)) await setPermission(model, bucketId, id, NO_PERMISSION);
  }
  await model.keys.insert(deletedKey(id));
}

/** Finds keys by exact id, id prefix or name, as Garage's `key info` pattern does. */
export function findKeys(model: Model, pattern: string): KeyEntry[] {
  const live = allKeys(model);
  const exact = live.filter((k) => k.id === pattern || k.name.v === pattern);
  return exact.length ? exact : live.filter((k) => k.id.startsWith(pattern));
}
