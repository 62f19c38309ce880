/** PutObject: streams the body into a new version that becomes visible only once complete. */
import type { Model } from "../model/model.ts";
import {
  type ObjectEntry,
  type ObjectMeta,
  type VersionData,
  visibleVersion,
} from "../model/object.ts";
import { checkWriteConditions, hasWriteConditions } from "../api/conditions.ts";
import { writeBlocks } from "../model/write.ts";
import { toHex } from "../util/checksum.ts";
import { newUuid } from "../util/ids.ts";
import { bodyFailure, planBody } from "./body.ts";
import type { ObjectContext } from "./context.ts";
import { S3Error } from "../api/error.ts";
import { checkQuota } from "./quota.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { customerKey, encryptionFor, sealedEtag, sseHeaders } from "../api/ssec.ts";
import { checksumHeader, parseChecksumAlgorithm } from "../util/checksum.ts";

/** S3's limit for a single PUT. */
const MAX_PUT = 5 * 1024 ** 3;

/** A timestamp after every version the object already has, so the new one wins. */
export function nextVersionTimestamp(e: ObjectEntry | undefined): number {
  const last = e?.versions[e.versions.length - 1]?.timestamp ?? 0;
  return Math.max(Date.now(), last + 1);
}

/**
 * Reads the object a write replaces: checks the write's If-Match / If-None-Match against it
 * and returns the timestamp the new version takes. Done when the write completes, so that
 * the last write to complete is the one that stays.
 */
export async function prepareWrite(
  ctx: ObjectContext,
  bucketId: string,
  key: string,
): Promise<number> {
  const e = await ctx.deps.model.objects.get(bucketId, key);
  checkWriteConditions(ctx.headers, visibleVersion(e)?.state.data.meta.etag);
  return nextVersionTimestamp(e);
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

/** What a successful write answers with: the ETag, the encryption used, the checksum kept. */
export function writtenHeaders(meta: ObjectMeta): Headers {
  const h = new Headers({ etag: quotedEtag(meta.etag), ...sseHeaders(meta.sse) });
  const alg = meta.checksum && parseChecksumAlgorithm(meta.checksum.alg);
  if (alg) h.set(checksumHeader(alg), meta.checksum!.value);
  return h;
}

export async function putObject(ctx: ObjectContext): Promise<Response> {
  const { model } = ctx.deps;
  const cl = ctx.headers.get("content-length");
  const declared = ctx.auth.payload.kind === "streaming"
    ? ctx.auth.payload.decodedLength
    : cl === null
    ? undefined
    : Number(cl);
  if (declared !== undefined && declared > MAX_PUT) {
    throw new S3Error(
      "EntityTooLarge",
      "Your proposed upload exceeds the maximum allowed size of 5 GiB; use a multipart upload.",
      {
        ProposedSize: String(declared),
        MaxSizeAllowed: String(MAX_PUT),
      },
    );
  }
  if (cl === null && !ctx.headers.get("transfer-encoding")?.includes("chunked")) {
    throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  const headers = storedHeaders(ctx.headers);
  const enc = encryptionFor(customerKey(ctx.headers));
  const plan = planBody(ctx);
  const bucketId = ctx.bucket.id;
  const key = ctx.key;
  const conditional = hasWriteConditions(ctx.headers);
  if (conditional) await prepareWrite(ctx, bucketId, key);
  const uuid = newUuid();
  /** Set once the version may be named by some replica's entry. */
  let committing: number | undefined;
  try {
    const r = await writeBlocks(model, uuid, 0, plan.stream, {
      sha256: plan.sha256,
      sizeHint: plan.sizeHint,
      checksum: plan.checksum,
      owner: { t: "object", bucketId, key },
      seal: enc?.cipher.seal,
    });
    ctx.bytesIn += r.size;
    const checksum = await plan.verify(r);
    await checkQuota(model, ctx.bucket, key, r.size);
    const meta: ObjectMeta = { size: r.size, etag: toHex(r.md5), headers, checksum };
    if (enc) Object.assign(meta, { sse: enc.sse, etag: sealedEtag(r.md5, enc.sse) });
    const data: VersionData = r.inline
      ? { t: "inline", meta, bytes: r.inline }
      : { t: "blocks", meta };
    if (conditional) {
      // The condition is checked again against what the write replaces.
      const timestamp = await prepareWrite(ctx, bucketId, key);
      committing = Date.now();
      await writeVersion(model, bucketId, key, uuid, timestamp, data);
    } else {
      committing = Date.now();
      await commitVersion(model, bucketId, key, uuid, data);
    }
    return new Response(null, { status: 200, headers: writtenHeaders(meta) });
  } catch (e) {
    await undoWrite(model, bucketId, key, uuid, committing);
    throw bodyFailure(e);
  }
}
