/**
 * Versions of a key in a versioned bucket: the current one lives in the object entry, the
 * others in the history table (see tables/history.ts). Finding one by id, deleting one for good,
 * and reading or changing the settings (lock, tags) of one.
 */
import type { Model } from "../model.ts";
import { type HistoryEntry, historyRange, historySortKey, slotOf } from "../tables/history.ts";
import { lastComplete, type ObjectVersion, versionIdOf } from "../tables/object.ts";
import { lockedBy, mergeSettings, type VersionSettings } from "../tables/settings.ts";
import { ModelError } from "../errors.ts";

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
  bypassGovernance = false,
): Promise<Complete | undefined> {
  const found = await findVersion(model, bucketId, key, versionId);
  if (!found) return undefined;
  checkDeletable(await mergedSettings(model, bucketId, key, found), bypassGovernance);
  const inEntry = async () =>
    (await model.objects.get(bucketId, key))?.versions.some((v) =>
      v.uuid === found.uuid && v.state.s === "complete"
    ) ?? false;
  const abortInEntry = () =>
    model.objects.insert({ bucketId, key, versions: [{ ...found, state: { s: "aborted" } }] });
  let wasCurrent = await inEntry();
  if (wasCurrent) await abortInEntry();
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
  // The deletion of a newer version may have made this one current meanwhile (promoteNewest
  // read the history before this purge): look again. One of the two always sees the other.
  if (!wasCurrent && await inEntry()) {
    await abortInEntry();
    wasCurrent = true;
  }
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
 * once the later one to finish sees both; a version purged after it was read is taken back
 * (deleteVersion looks at the entry after its purge for the same reason).
 */
async function promoteNewest(model: Model, bucketId: string, key: string): Promise<void> {
  for await (const h of keptVersions(model, bucketId, key)) {
    await model.objects.insert({ bucketId, key, versions: [h.version] });
    const again = await model.history.get(bucketId, historySortKey(key, h.slot));
    if (again && !again.purged) return;
    await model.objects.insert({
      bucketId,
      key,
      versions: [{ ...h.version, state: { s: "aborted" } }],
    });
  }
}

/** A version's settings (lock, tags) as every copy of it (object entry and history) holds it, merged. */
export async function mergedSettings(
  model: Model,
  bucketId: string,
  key: string,
  v: ObjectVersion,
): Promise<VersionSettings> {
  const kept = await model.history.get(bucketId, historySortKey(key, slotOf(v)));
  return mergeSettings(v, kept?.version ?? {});
}

/** Refuses to delete a version for good while its retention or legal hold holds it. */
export function checkDeletable(v: VersionSettings, bypassGovernance: boolean, now = Date.now()) {
  const by = lockedBy(v, now, bypassGovernance);
  if (!by) return;
  throw new ModelError(
    "locked",
    by === "legal hold"
      ? "Access Denied because object protected by object lock: the version is under a legal hold."
      : `Access Denied because object protected by object lock: the version is under ${by} retention until ${
        new Date(v.retention!.until).toISOString()
      }${
        by === "GOVERNANCE"
          ? " (x-amz-bypass-governance-retention lifts it for a key allowed to)"
          : ""
      }.`,
  );
}

/** The current version (no id) or the one named, with its settings merged from every copy. */
export async function settingsTarget(
  model: Model,
  bucketId: string,
  key: string,
  versionId: string | undefined,
): Promise<Complete | undefined> {
  const v = versionId === undefined
    ? lastComplete(await model.objects.get(bucketId, key)) as Complete | undefined
    : await findVersion(model, bucketId, key, versionId);
  if (!v) return undefined;
  return { ...v, ...await mergedSettings(model, bucketId, key, v) };
}

/**
 * Writes changed settings onto every copy of a version: the object entry while it is current
 * there, and the history once a newer version pushed it out (looked at again after the entry,
 * so a change racing a newer write still reaches the copy that stays).
 */
export async function updateSettings(
  model: Model,
  bucketId: string,
  key: string,
  v: Complete,
  change: VersionSettings,
): Promise<void> {
  const updated: ObjectVersion = { ...v, ...change };
  const entry = await model.objects.get(bucketId, key);
  if (entry?.versions.some((o) => o.uuid === v.uuid)) {
    await model.objects.insert({ bucketId, key, versions: [updated] });
  }
  const again = await model.objects.get(bucketId, key);
  const inEntry = again?.versions.some((o) => o.uuid === v.uuid && o.state.s === "complete");
  const slot = slotOf(v);
  const kept = await model.history.get(bucketId, historySortKey(key, slot));
  // A version with an id pushed out meanwhile lives on in the history ("null" ones replaced by
  // another "null" do not).
  if (kept || (!inEntry && v.id)) {
    await model.history.insert({ bucketId, key, slot, version: updated, purged: false });
  }
}
