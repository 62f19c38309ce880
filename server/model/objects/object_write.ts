/**
 * The one place where object versions come to exist or go: PUT, POST, copy, multipart
 * completion, DELETE, DeleteObjects, lifecycle expiry and the admin API all write through these,
 * so a rule about writes (versions, locks, quotas) is added here once. Front ends parse and
 * authorize, then call them; nothing else writes the object table.
 */
import { ModelError } from "../errors.ts";
import { type ChecksumAlgorithm, toHex } from "../../util/checksum.ts";
import { newUuid } from "../../util/ids.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import type { Model } from "../model.ts";
import { newVersionId } from "../tables/history.ts";
import {
  type ChecksumValue,
  mergeObjects,
  type ObjectEntry,
  type ObjectMeta,
  type ObjectVersion,
  type VersionData,
  visibleVersion,
} from "../tables/object.ts";
import { findVersion, purgeKeptNull } from "./versions.ts";
import { versioningOf } from "../buckets/protection.ts";
import type { VersionSettings } from "../tables/settings.ts";
import { initialSettings } from "./lock.ts";
import { checkQuota } from "./quota.ts";
import { sealedEtag, type SseMeta } from "./sse.ts";
import { type SingleBlock, writeBlocks, type WriteResult } from "./write.ts";
import { oneRoundTrip, storeSingle, storeWithEntry } from "./single_block.ts";

/** A timestamp after every version the object already has, so the new one wins. */
export function nextVersionTimestamp(e: ObjectEntry | undefined): number {
  const last = e?.versions[e.versions.length - 1]?.timestamp ?? 0;
  return Math.max(Date.now(), last + 1);
}

/** Where a new version landed: its date and, on a versioned bucket, its version id. */
export interface Committed {
  timestamp: number;
  versionId?: string;
}

/**
 * A new complete version: with an id of its own while the bucket's versioning is Enabled, and
 * the lock and tags the write asks for (or the bucket's default retention).
 */
function newVersion(
  bucket: BucketEntry,
  uuid: string,
  timestamp: number,
  data: VersionData,
  settings?: VersionSettings,
) {
  const v: ObjectVersion = {
    uuid,
    timestamp,
    state: { s: "complete", data },
    ...(data.t === "delete" ? {} : initialSettings(bucket, settings, timestamp)),
  };
  if (versioningOf(bucket) === "Enabled") v.id = newVersionId(timestamp);
  return v;
}

/**
 * What a write answers: the new version's id while versioning is Enabled (a "null" version is
 * not announced, as S3 does not). A new "null" version (Suspended) replaces the one the history
 * may hold, as in S3.
 */
async function committed(
  model: Model,
  bucket: BucketEntry,
  key: string,
  v: ObjectVersion,
): Promise<Committed> {
  if (versioningOf(bucket) === "Suspended") await purgeKeptNull(model, bucket.id, key, v);
  return v.id ? { timestamp: v.timestamp, versionId: v.id } : { timestamp: v.timestamp };
}

/**
 * Makes a new version the object's current one in one round trip when nothing newer is there:
 * the first guess at its timestamp comes from this node's copy of the entry, and the replicas'
 * answers to the write tell whether a version with a later timestamp exists (a node whose clock
 * runs ahead wrote it); then it is written again just after that one, so that the write that
 * completes last stays, as when the entry is read first. `firstWrite`, if given, makes the first
 * write (with the object's block: see single_block.ts).
 */
export async function commitVersion(
  model: Model,
  bucket: BucketEntry,
  key: string,
  uuid: string,
  data: VersionData,
  settings?: VersionSettings,
  firstWrite?: (e: ObjectEntry) => Promise<ObjectEntry[]>,
): Promise<Committed> {
  let v = newVersion(
    bucket,
    uuid,
    nextVersionTimestamp(await model.objects.store.get(bucket.id, key)),
    data,
    settings,
  );
  let write = firstWrite ?? ((e: ObjectEntry) => model.objects.insertAndRead(e));
  for (;;) {
    const seen = await write({ bucketId: bucket.id, key, versions: [v] });
    write = (e) => model.objects.insertAndRead(e);
    const newer = seen.flatMap((e) => e.versions).filter((o) =>
      o.uuid !== uuid && o.state.s === "complete" && o.timestamp >= v.timestamp
    );
    if (newer.length === 0) return await committed(model, bucket, key, v);
    v = { ...v, timestamp: Math.max(...newer.map((o) => o.timestamp)) + 1 };
  }
}

/** Writes a new version with the timestamp the caller chose (after reading the entry). */
export async function writeVersion(
  model: Model,
  bucket: BucketEntry,
  key: string,
  uuid: string,
  timestamp: number,
  data: VersionData,
  settings?: VersionSettings,
): Promise<Committed> {
  const v = newVersion(bucket, uuid, timestamp, data, settings);
  await model.objects.insert({ bucketId: bucket.id, key, versions: [v] });
  return await committed(model, bucket, key, v);
}

/**
 * Marks an upload in progress (an "uploading" version, never a complete one) aborted and
 * releases what it stored.
 */
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
 * Undoes a write that failed before its commit began: the blocks it stored are released. Once
 * the commit began, the version may have reached a replica and replaced the object's previous
 * version there, which let that replica release the previous version's blocks; marking the new
 * one aborted would then leave the key with a version whose blocks are gone. So a failed commit
 * is left as it is: its outcome is unknown, as S3's 5xx says (it wins wherever it landed and
 * spreads from there), and the orphan repair collects its blocks if it landed nowhere.
 */
export function undoWrite(model: Model, uuid: string, committing: boolean): Promise<void> {
  if (committing) return Promise.resolve();
  return model.releaseVersion(uuid).catch(() => {});
}

/** What a delete did: on a versioned bucket, the delete marker it added. */
export interface DeleteOutcome {
  marker?: { versionId: string };
}

/**
 * Deletes a key's current version by writing a delete marker newer than it, in one round trip
 * as a PUT is (commitVersion). On a versioned bucket the marker is a version of its own (with an
 * id while Enabled, "null" while Suspended) and is written even if the key has no current
 * version, as S3 does. On an unversioned one, nothing is written for a key that has none: this
 * node's copy says so first, and only then is the read quorum asked.
 */
export async function deleteCurrent(
  model: Model,
  bucket: BucketEntry,
  key: string,
): Promise<DeleteOutcome> {
  const versioned = !!versioningOf(bucket);
  if (
    !versioned && !visibleVersion(await model.objects.store.get(bucket.id, key)) &&
    !visibleVersion(await model.objects.get(bucket.id, key))
  ) return {};
  const { versionId } = await commitVersion(model, bucket, key, newUuid(), { t: "delete" });
  return versioned ? { marker: { versionId: versionId ?? "null" } } : {};
}

/** How long a conditional write's claim holds others off: a crashed writer's claim lapses. */
const CLAIM_MS = 30_000;

/**
 * A conditional write (If-Match, If-None-Match) claims its key before it commits: its version
 * goes to a write quorum as an upload in progress, which pushes nothing out, and the replicas
 * answer with what they hold. Another claim still in progress there is a conflict (409): of two
 * conditional writes racing, the one that sees the other backs off, so at most one goes on.
 * The condition is then checked against what the quorum holds. Answers the timestamp to commit
 * at, and the claim's own (to abort it if the write goes no further).
 */
export async function claimKey(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  precondition: (currentEtag: string | undefined) => void,
): Promise<{ commitAt: number; claimAt: number }> {
  const claimAt = nextVersionTimestamp(await model.objects.store.get(bucketId, key));
  const seen = await model.objects.insertAndRead({
    bucketId,
    key,
    versions: [{ uuid, timestamp: claimAt, state: { s: "uploading", conditional: true } }],
  });
  const merged = seen.reduce(mergeObjects);
  const rival = merged.versions.some((v) =>
    v.uuid !== uuid && v.state.s === "uploading" && v.state.conditional &&
    Date.now() - v.timestamp < CLAIM_MS
  );
  try {
    if (rival) {
      throw new ModelError(
        "conditionalConflict",
        "A conflicting conditional operation is currently in progress against this resource. Please try again.",
      );
    }
    precondition(visibleVersion(merged)?.state.data.meta.etag);
  } catch (e) {
    // A claim left behind lapses by itself: the refusal is what the client must hear.
    await abortVersion(model, bucketId, key, uuid, claimAt).catch(() => {});
    throw e;
  }
  return { commitAt: nextVersionTimestamp(merged), claimAt };
}

/**
 * Makes an old version the current one again, as a copy of it over its own key does: a new
 * version with the same bytes (blocks shared, not copied) and tags. Undefined if there is no
 * such version; a delete marker cannot be restored.
 */
export async function restoreVersion(
  model: Model,
  bucket: BucketEntry,
  key: string,
  versionId: string,
): Promise<Committed | undefined> {
  const v = await findVersion(model, bucket.id, key, versionId);
  if (!v) return undefined;
  const data = v.state.data;
  if (data.t === "delete") {
    throw new ModelError("badRequest", "A delete marker cannot be restored: delete it instead.");
  }
  const uuid = newUuid();
  let committing = false;
  try {
    if (data.t === "blocks") {
      const owner = { t: "object", bucketId: bucket.id, key } as const;
      await model.shareBlocks(v.uuid, uuid, undefined, undefined, owner);
    }
    committing = true;
    return await commitVersion(model, bucket, key, uuid, data, v.tags ? { tags: v.tags } : {});
  } catch (e) {
    await undoWrite(model, uuid, committing);
    throw e;
  }
}

/** Deletes of one request in flight at once: they then share commits. */
export const DELETE_BATCH = 32;

/** A new object whose bytes come as a stream (PUT, POST form, the admin API's upload). */
export interface ObjectWrite {
  bucket: BucketEntry;
  key: string;
  body: ReadableStream<Uint8Array>;
  /** The headers the object keeps and is served with (content-type, x-amz-meta-*, …). */
  headers: Array<[string, string]>;
  /** The length the body announces, if it does (a small body then gets a small buffer). */
  sizeHint?: number;
  /** Hash the body with SHA-256 (a signed payload) or a checksum, for `verify`. */
  sha256?: boolean;
  checksum?: ChecksumAlgorithm;
  /** SSE-C: each block sealed with the object's key; the ETag is then sealed too. */
  encryption?: { seal: (plain: Uint8Array) => Uint8Array; sse: SseMeta };
  /**
   * Checks what was read against what the client announced (signature, digests, length)
   * before anything is committed; answers the checksum the object keeps, if any.
   */
  verify?(r: WriteResult): ChecksumValue | undefined | Promise<ChecksumValue | undefined>;
  /** Object lock and tags the new version starts with. */
  settings?: VersionSettings;
  /**
   * If-Match / If-None-Match: throws unless the version the write replaces passes, checked
   * before the body is read and again just before the commit.
   */
  precondition?(currentEtag: string | undefined): void;
}

/**
 * Writes an object: its body into blocks (or inline), checked, within the bucket's quota, then
 * made the current version. Whatever fails, nothing is left half-written: a write that fails
 * before its commit releases its blocks, and one whose commit fails is whole wherever it landed.
 */
export async function writeObject(
  model: Model,
  w: ObjectWrite,
): Promise<{ meta: ObjectMeta; size: number; versionId?: string }> {
  const { bucket, key } = w;
  const bucketId = bucket.id;
  if (w.precondition) {
    w.precondition(visibleVersion(await model.objects.get(bucketId, key))?.state.data.meta.etag);
  }
  const uuid = newUuid();
  /** Set once the version may be named by some replica's entry. */
  let committing = false;
  /** A body of one block, read and not stored yet (see single_block.ts). */
  let single: SingleBlock | undefined;
  try {
    const r = await writeBlocks(model, uuid, 0, w.body, {
      sha256: w.sha256,
      sizeHint: w.sizeHint,
      checksum: w.checksum,
      owner: { t: "object", bucketId, key },
      seal: w.encryption?.seal,
      holdSingle: true,
    });
    single = r.single;
    const checksum = await w.verify?.(r);
    await checkQuota(model, bucket, key, r.size);
    const meta: ObjectMeta = { size: r.size, etag: toHex(r.md5), headers: w.headers };
    if (checksum) meta.checksum = checksum;
    if (w.encryption) {
      Object.assign(meta, { sse: w.encryption.sse, etag: sealedEtag(r.md5, w.encryption.sse) });
    }
    const data: VersionData = r.inline
      ? { t: "inline", meta, bytes: r.inline }
      : { t: "blocks", meta };
    if (single && !w.precondition && oneRoundTrip(model, single, bucketId)) {
      const s = single;
      single = undefined;
      committing = true;
      const { versionId } = await commitVersion(
        model,
        bucket,
        key,
        uuid,
        data,
        w.settings,
        (e) => storeWithEntry(model, s, e),
      );
      return { meta, size: r.size, versionId };
    }
    if (single) {
      const s = single;
      single = undefined;
      await storeSingle(model, s);
    }
    if (w.precondition) {
      // The condition is checked again against what the write replaces.
      const { commitAt } = await claimKey(model, bucketId, key, uuid, w.precondition);
      committing = true;
      const { versionId } = await writeVersion(
        model,
        bucket,
        key,
        uuid,
        commitAt,
        data,
        w.settings,
      );
      return { meta, size: r.size, versionId };
    }
    committing = true;
    const { versionId } = await commitVersion(model, bucket, key, uuid, data, w.settings);
    return { meta, size: r.size, versionId };
  } catch (e) {
    single?.release();
    await undoWrite(model, uuid, committing);
    throw e;
  }
}
