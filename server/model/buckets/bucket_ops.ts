/**
 * Bucket and key operations shared by the S3 and admin front ends. Permissions and local
 * aliases are written on both the key and the bucket entry, as Garage does, so each side can
 * list them without a scan.
 */
import { ModelError } from "../errors.ts";
import { lww, lwwMapValues, nextTimestamp } from "../../table/crdt.ts";
import { newUuid } from "../../util/ids.ts";
import { type BucketEntry, bucketNameError, newBucket } from "../tables/bucket.ts";
import type { KeyEntry } from "../tables/key.ts";
import type { Model } from "../model.ts";
import { mpuSortKey } from "../tables/mpu.ts";
import { lastComplete, visibleVersion } from "../tables/object.ts";
import { type BucketPermission, hasAny, NO_PERMISSION } from "../tables/permission.ts";

export function getBucket(model: Model, id: string): BucketEntry | undefined {
  const b = model.buckets.store.getCached(id, "");
  return b && !b.deleted ? b : undefined;
}

/** Every live bucket, as this node holds them (the bucket table is on every node). */
export function allBuckets(model: Model): BucketEntry[] {
  return [...model.buckets.store.cached()].filter((b) => !b.deleted);
}

/** Every live access key, as this node holds them (the key table is on every node). */
export function allKeys(model: Model): KeyEntry[] {
  return [...model.keys.store.cached()].filter((k) => !k.deleted);
}

export function getKey(model: Model, id: string): KeyEntry | undefined {
  const k = model.keys.store.getCached(id, "");
  return k && !k.deleted ? k : undefined;
}

export function globalAliasTarget(model: Model, name: string): string | undefined {
  return model.aliases.store.getCached(name, "")?.bucket.v ?? undefined;
}

/** The bucket a name designates for a key: its own local alias first, then the global one. */
export function resolveBucket(model: Model, name: string, key?: KeyEntry): BucketEntry | undefined {
  const local = key?.localAliases[name]?.v;
  const id = local ?? globalAliasTarget(model, name);
  return id ? getBucket(model, id) : undefined;
}

export function globalAliases(b: BucketEntry): string[] {
  return Object.entries(b.aliases).filter(([, a]) => a.v).map(([n]) => n).sort();
}

export function localAliases(b: BucketEntry): Array<{ keyId: string; alias: string }> {
  return Object.entries(b.localAliases).filter(([, a]) => a.v).map(([k]) => {
    const i = k.indexOf("/");
    return { keyId: k.slice(0, i), alias: k.slice(i + 1) };
  });
}

export function bucketPermissions(b: BucketEntry): Record<string, BucketPermission> {
  return lwwMapValues(b.keys);
}

/** The key shown as a bucket's owner in listings and ACLs: the first that owns it. */
export function ownerIdOf(b: BucketEntry): string {
  const owners = Object.entries(bucketPermissions(b)).filter(([, p]) => p.owner).map(([id]) => id);
  return owners.sort()[0] ?? "";
}

export function keyBuckets(k: KeyEntry): Record<string, BucketPermission> {
  return lwwMapValues(k.buckets);
}

function checkName(name: string): void {
  const err = bucketNameError(name);
  if (err) throw new ModelError("invalidName", `Invalid bucket name "${name}": it ${err}`);
}

export async function addGlobalAlias(model: Model, bucketId: string, name: string): Promise<void> {
  checkName(name);
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  const current = model.aliases.store.getCached(name, "");
  if (current?.bucket.v && current.bucket.v !== bucketId) {
    throw new ModelError("aliasTaken", `The alias "${name}" already designates another bucket`);
  }
  const t = nextTimestamp(current?.bucket);
  await model.aliases.insert({ name, bucket: lww(bucketId, t) });
  await model.buckets.insert({ ...b, aliases: { [name]: lww(true, t) } });
}

export async function removeGlobalAlias(
  model: Model,
  bucketId: string,
  name: string,
): Promise<void> {
  const current = model.aliases.store.getCached(name, "");
  if (current?.bucket.v !== bucketId) {
    throw new ModelError(
      "noSuchBucket",
      `The alias "${name}" does not designate bucket ${bucketId}`,
    );
  }
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  const t = nextTimestamp(current.bucket);
  await model.aliases.insert({ name, bucket: lww(null, t) });
  await model.buckets.insert({ ...b, aliases: { [name]: lww(false, t) } });
}

export async function addLocalAlias(
  model: Model,
  bucketId: string,
  keyId: string,
  name: string,
): Promise<void> {
  checkName(name);
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  const k = getKey(model, keyId);
  if (!k) throw new ModelError("noSuchKey", `Access key ${keyId} does not exist`);
  const cur = k.localAliases[name];
  if (cur?.v && cur.v !== bucketId) {
    throw new ModelError("aliasTaken", `Key ${keyId} already has a local alias "${name}"`);
  }
  const t = nextTimestamp(cur);
  await model.keys.insert({ ...k, localAliases: { [name]: lww(bucketId, t) } });
  await model.buckets.insert({ ...b, localAliases: { [`${keyId}/${name}`]: lww(true, t) } });
}

export async function removeLocalAlias(
  model: Model,
  bucketId: string,
  keyId: string,
  name: string,
): Promise<void> {
  const k = getKey(model, keyId);
  const cur = k?.localAliases[name];
  if (!k || cur?.v !== bucketId) {
    throw new ModelError(
      "noSuchBucket",
      `Key ${keyId} has no local alias "${name}" for bucket ${bucketId}`,
    );
  }
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  const t = nextTimestamp(cur);
  await model.keys.insert({ ...k, localAliases: { [name]: lww(null, t) } });
  await model.buckets.insert({ ...b, localAliases: { [`${keyId}/${name}`]: lww(false, t) } });
}

/** Sets a key's rights on a bucket to exactly `perm`. */
export async function setPermission(
  model: Model,
  bucketId: string,
  keyId: string,
  perm: BucketPermission,
): Promise<void> {
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  const k = getKey(model, keyId);
  if (!k) throw new ModelError("noSuchKey", `Access key ${keyId} does not exist`);
  const t = Math.max(nextTimestamp(b.keys[keyId]), nextTimestamp(k.buckets[bucketId]));
  await model.keys.insert({ ...k, buckets: { [bucketId]: lww(perm, t) } });
  await model.buckets.insert({ ...b, keys: { [keyId]: lww(perm, t) } });
}

export function permissionOf(key: KeyEntry, bucketId: string): BucketPermission {
  return key.buckets[bucketId]?.v ?? NO_PERMISSION;
}

export interface CreateBucketOptions {
  globalAlias?: string;
  localAlias?: { keyId: string; alias: string; allow?: Partial<BucketPermission> };
}

export async function createBucket(model: Model, opts: CreateBucketOptions): Promise<BucketEntry> {
  if (opts.globalAlias !== undefined) {
    checkName(opts.globalAlias);
    if (globalAliasTarget(model, opts.globalAlias)) {
      throw new ModelError("aliasTaken", `A bucket named "${opts.globalAlias}" already exists`);
    }
  }
  if (opts.localAlias) {
    checkName(opts.localAlias.alias);
    const k = getKey(model, opts.localAlias.keyId);
    if (!k) throw new ModelError("noSuchKey", `Access key ${opts.localAlias.keyId} does not exist`);
    if (k.localAliases[opts.localAlias.alias]?.v) {
      throw new ModelError(
        "aliasTaken",
        `Key ${k.id} already has a bucket named "${opts.localAlias.alias}"`,
      );
    }
  }
  const id = newUuid();
  await model.buckets.insert(newBucket(id));
  if (opts.globalAlias !== undefined) await addGlobalAlias(model, id, opts.globalAlias);
  if (opts.localAlias) {
    const { keyId, alias, allow } = opts.localAlias;
    await addLocalAlias(model, id, keyId, alias);
    if (allow && hasAny({ ...NO_PERMISSION, ...allow })) {
      await setPermission(model, id, keyId, { ...NO_PERMISSION, ...allow });
    }
  }
  return getBucket(model, id)!;
}

/**
 * Whether a bucket holds nothing: no object, and no kept version or delete marker with an id
 * (a versioned bucket is empty only once every version is deleted by id, as in S3).
 */
export async function bucketIsEmpty(model: Model, bucketId: string): Promise<boolean> {
  for await (const o of model.objects.scan(bucketId)) {
    const v = lastComplete(o);
    if (v && (v.id !== undefined || visibleVersion(o))) return false;
  }
  for await (const h of model.history.scan(bucketId)) if (!h.purged) return false;
  return true;
}

/** Aborts every multipart upload still open in a bucket (they do not keep it from deletion). */
async function abortUploads(model: Model, bucketId: string): Promise<void> {
  let start: string | undefined;
  for (;;) {
    const page = await model.uploads.range(bucketId, { start, limit: 100 });
    const open = page.filter((u) => !u.deleted);
    if (open.length) await model.uploads.insertMany(open.map((u) => ({ ...u, deleted: true })));
    if (page.length < 100) return;
    start = mpuSortKey(page[page.length - 1].key, page[page.length - 1].uploadId) + "\u0000";
  }
}

/** Deletes an empty bucket with its aliases and permissions. */
export async function deleteBucket(model: Model, bucketId: string): Promise<void> {
  const b = getBucket(model, bucketId);
  if (!b) throw new ModelError("noSuchBucket", `Bucket ${bucketId} does not exist`);
  if (!(await bucketIsEmpty(model, bucketId))) {
    throw new ModelError("bucketNotEmpty", "The bucket is not empty: delete its objects first");
  }
  await abortUploads(model, bucketId);
  for (const name of globalAliases(b)) await removeGlobalAlias(model, bucketId, name);
  for (const { keyId, alias } of localAliases(b)) {
    if (getKey(model, keyId)) await removeLocalAlias(model, bucketId, keyId, alias);
  }
  for (const keyId of Object.keys(bucketPermissions(b))) {
    if (getKey(model, keyId)) await setPermission(model, bucketId, keyId, NO_PERMISSION);
  }
  const latest = getBucket(model, bucketId)!;
  await model.buckets.insert({ ...latest, deleted: true });
  // Rewriting the keys lets their merge drop what they held on the deleted bucket.
  for (const keyId of Object.keys(latest.keys)) {
    const k = getKey(model, keyId);
    if (k) await model.keys.insert(k);
  }
}

/** A sub-resource configuration of a bucket (`cors`, `lifecycle`…), if one is set. */
export function bucketConfig<T>(b: BucketEntry, name: string): T | undefined {
  return (b.config[name]?.v ?? undefined) as T | undefined;
}

/** Replaces a sub-resource configuration of a bucket; null removes it. */
export async function setBucketConfig(
  model: Model,
  b: BucketEntry,
  name: string,
  value: unknown,
): Promise<void> {
  const config = { ...b.config, [name]: lww(value, nextTimestamp(b.config[name])) };
  await model.buckets.insert({ ...b, config });
}
