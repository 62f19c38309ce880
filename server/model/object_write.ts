/**
 * The one place where object versions come to exist or go: PUT, POST, copy, multipart
 * completion, DELETE, DeleteObjects, lifecycle expiry and the admin API all write through these,
 * so a rule about writes (versions, locks, quotas) is added here once. Front ends parse and
 * authorize, then call them; nothing else writes the object table.
 */
import { newUuid } from "../util/ids.ts";
import type { Model } from "./model.ts";
import { type ObjectEntry, type VersionData, visibleVersion } from "./object.ts";

/** A timestamp after every version the object already has, so the new one wins. */
export function nextVersionTimestamp(e: ObjectEntry | undefined): number {
  const last = e?.versions[e.versions.length - 1]?.timestamp ?? 0;
  return Math.max(Date.now(), last + 1);
}

/**
 * Makes a new version the object's current one in one round trip when nothing newer is there:
 * the first guess at its timestamp comes from this node's copy of the entry, and the replicas'
 * answers to the write tell whether a version with a later timestamp exists (a node whose clock
 * runs ahead wrote it); then it is written again just after that one, so that the write that
 * completes last stays, as when the entry is read first.
 */
export async function commitVersion(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  data: VersionData,
): Promise<void> {
  let timestamp = nextVersionTimestamp(await model.objects.store.get(bucketId, key));
  for (;;) {
    const seen = await model.objects.insertAndRead({
      bucketId,
      key,
      versions: [{ uuid, timestamp, state: { s: "complete", data } }],
    });
    const newer = seen.flatMap((e) => e.versions).filter((v) =>
      v.uuid !== uuid && v.state.s === "complete" && v.timestamp >= timestamp
    );
    if (newer.length === 0) return;
    timestamp = Math.max(...newer.map((v) => v.timestamp)) + 1;
  }
}

export async function writeVersion(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  timestamp: number,
  data: VersionData,
): Promise<void> {
  const entry: ObjectEntry = {
    bucketId,
    key,
    versions: [{ uuid, timestamp, state: { s: "complete", data } }],
  };
  await model.objects.insert(entry);
}

/** Marks an upload aborted and releases what it stored (a newer write may have pushed it out). */
export async function abortVersion(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  timestamp: number,
): Promise<void> {
  await model.objects.insert({
    bucketId,
    key,
    versions: [{ uuid, timestamp, state: { s: "aborted" } }],
  });
  await model.releaseVersion(uuid);
}

/**
 * Undoes a write that failed. A commit that failed half-way (`committing` set) may have reached
 * a replica: marked aborted there (aborted wins over complete in a merge), the version cannot
 * become visible later.
 */
export function undoWrite(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  committing: number | undefined,
): Promise<void> {
  const undo = committing === undefined
    ? model.releaseVersion(uuid)
    : abortVersion(model, bucketId, key, uuid, committing);
  return undo.catch(() => {});
}

/** Deletes the current version by writing a delete marker newer than it. */
export async function deleteCurrent(model: Model, bucketId: string, key: string): Promise<void> {
  const entry = await model.objects.get(bucketId, key);
  if (!visibleVersion(entry)) return;
  const timestamp = nextVersionTimestamp(entry);
  await writeVersion(model, bucketId, key, newUuid(), timestamp, { t: "delete" });
}

/** Deletes of one request in flight at once: they then share commits. */
export const DELETE_BATCH = 32;
