/**
 * Versions of a key in a versioned bucket: the current one lives in the object entry, the
 * others in the history table (see tables/history.ts). Finding one by id, deleting one for good,
 * and the bucket's versioning state.
 */
import type { Model } from "../model.ts";
import { bucketConfig, setBucketConfig } from "../buckets/bucket_ops.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import { type HistoryEntry, historyRange, historySortKey, slotOf } from "../tables/history.ts";
import { lastComplete, type ObjectVersion, versionIdOf } from "../tables/object.ts";

export type Versioning = "Enabled" | "Suspended";

/** The bucket's versioning state; undefined until it is first set (unversioned). */
export function versioningOf(b: BucketEntry): Versioning | undefined {
  return bucketConfig<Versioning>(b, "versioning");
}

/** Sets Enabled or Suspended; a bucket never goes back to unversioned. */
export async function setVersioning(model: Model, b: BucketEntry, v: Versioning): Promise<void> {
  await setBucketConfig(model, b, "versioning", v);
}

/** A complete version: holding data, or a delete marker. */
export type Complete = ObjectVersion & { state: { s: "complete" } };

/** The kept versions of a key in the history, newest first (purged ones left out). */
export async function* keptVersions(
  model: Model,
  bucketId: string,
  key: string,
): AsyncGenerator<HistoryEntry> {
  const { start, end } = historyRange(key);
  for await (const h of model.history.scan(bucketId, start, end, 200)) if (!h.purged) yield h;
}

/** The version `versionId` of a key ("null" included), or undefined if it has none. */
export async function findVersion(
  model: Model,
  bucketId: string,
  key: string,
  versionId: string,
): Promise<Complete | undefined> {
  const entry = await model.objects.get(bucketId, key);
  const current = entry && lastComplete(entry);
  if (current && versionIdOf(current) === versionId) return current as Complete;
  // Versions the entry aborted were deleted, even if the history has not heard it yet.
  const aborted = new Set(
    (entry?.versions ?? []).filter((v) => v.state.s === "aborted").map((v) => v.uuid),
  );
  const usable = (h: HistoryEntry | undefined) =>
    h && !h.purged && h.version.state.s === "complete" && !aborted.has(h.version.uuid)
      ? h.version as Complete
      : undefined;
  if (versionId !== "null") {
    return usable(await model.history.get(bucketId, historySortKey(key, versionId)));
  }
  for await (const h of keptVersions(model, bucketId, key)) {
    if (!h.version.id) return usable(h);
  }
  return undefined;
}

/**
 * Deletes version `versionId` of a key for good, as DELETE ?versionId= does. When it is the
 * current version, the entry first marks it aborted and takes the newest kept version as
 * current, so no reader is sent to released blocks; then its history entries are purged, which
 * releases its blocks. Answers the version deleted, if there was one.
 */
export async function deleteVersion(
  model: Model,
  bucketId: string,
  key: string,
  versionId: string,
): Promise<Complete | undefined> {
  const found = await findVersion(model, bucketId, key, versionId);
  if (!found) return undefined;
  const entry = await model.objects.get(bucketId, key);
  const wasCurrent = entry?.versions.some((v) => v.uuid === found.uuid) ?? false;
  if (wasCurrent) {
    await model.objects.insert({
      bucketId,
      key,
      versions: [{ ...found, state: { s: "aborted" } }],
    });
  }
  // Every history entry of the version: a "null" one may have been kept more than once.
  const purge: HistoryEntry[] = [{
    bucketId,
    key,
    slot: slotOf(found),
    version: found,
    purged: true,
  }];
  for await (const h of keptVersions(model, bucketId, key)) {
    if (h.version.uuid === found.uuid || (!found.id && !h.version.id)) {
      purge.push({ ...h, purged: true });
    }
  }
  await model.history.insertMany(purge);
  if (wasCurrent) await promoteNewest(model, bucketId, key);
  return found;
}

/** Purges the "null" versions of a key the history holds that `newer` replaced. */
export async function purgeKeptNull(
  model: Model,
  bucketId: string,
  key: string,
  newer: ObjectVersion,
): Promise<void> {
  const purge: HistoryEntry[] = [];
  for await (const h of keptVersions(model, bucketId, key)) {
    if (!h.version.id && h.version.timestamp < newer.timestamp) purge.push({ ...h, purged: true });
  }
  if (purge.length) await model.history.insertMany(purge);
}

/**
 * Makes the newest kept version the entry's current one again if the entry has none newer
 * (after its current version was deleted). Read after the purge, so that of two deletes at
 * once the later one to finish sees both.
 */
async function promoteNewest(model: Model, bucketId: string, key: string): Promise<void> {
  for await (const h of keptVersions(model, bucketId, key)) {
    await model.objects.insert({ bucketId, key, versions: [h.version] });
    return;
  }
}
