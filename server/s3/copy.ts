/** CopyObject and UploadPartCopy: the source is read with the caller's rights on it. */
import { requestedSettings } from "./object_settings.ts";
import type { VersionSettings } from "../model/tables/settings.ts";
import { sealedEtag } from "../model/objects/sse.ts";
import { resolveBucket } from "../model/buckets/bucket_ops.ts";
import {
  type ObjectMeta,
  type ObjectVersion,
  type VisibleVersion,
  visibleVersion,
} from "../model/tables/object.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import { findVersion } from "../model/objects/versions.ts";
import { missingVersion, versionHeader } from "../api/object_read.ts";
import { readObject } from "../model/objects/read.ts";
import { writeBlocks } from "../model/objects/write.ts";
import { newUuid } from "../util/ids.ts";
import { toHex } from "../util/checksum.ts";
import { conditionHeaders, evaluate, preconditionFailed } from "../api/conditions.ts";
import { type ObjectContext } from "./context.ts";
import { isoDate, xmlResponse } from "../api/response.ts";
import { authorizeFor } from "./access.ts";
import { S3Error } from "../api/error.ts";
import { checkQuota } from "../model/objects/quota.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { validateKey } from "../api/keys.ts";
import type { ObjectCipher } from "../model/objects/sse.ts";
import {
  cipherToRead,
  COPY_SOURCE_SSE_HEADERS,
  customerKey,
  encryptionFor,
  sseHeaders,
} from "../api/ssec.ts";
import { partNumberOf, uploadOf } from "./multipart.ts";
import { recordPart } from "../model/objects/uploads.ts";
import { checkVersionId } from "./unsupported.ts";
import { prepareWrite } from "./put.ts";
import { abortVersion, undoWrite, writeVersion } from "../model/objects/object_write.ts";

async function copySource(ctx: ObjectContext) {
  const raw = ctx.headers.get("x-amz-copy-source")!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.split("?")[0]);
  } catch {
    throw new S3Error("InvalidArgument", "Invalid copy source encoding", {
      ArgumentName: "x-amz-copy-source",
    });
  }
  const path = decoded.replace(/^\//, "");
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error(
      "InvalidArgument",
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
      { ArgumentName: "x-amz-copy-source", ArgumentValue: raw },
    );
  }
  const bucketName = path.slice(0, slash);
  const key = path.slice(slash + 1);
  validateKey(key);
  const versionId = /[?&]versionId=([^&]*)/.exec(raw)?.[1];
  checkVersionId(versionId, "x-amz-copy-source");
  const bucket = resolveBucket(ctx.deps.model, bucketName, ctx.apiKey);
  if (!bucket) {
    throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
      BucketName: bucketName,
    });
  }
  await authorizeFor(ctx, bucket, bucketName, { name: "GetObject", need: "read" }, key);
  const v = versionId === undefined
    ? visibleVersion(await ctx.deps.model.objects.get(bucket.id, key))
    : await findVersion(ctx.deps.model, bucket.id, key, versionId);
  if (!v) throw missingVersion(key, versionId);
  if (v.state.data.t === "delete") {
    throw new S3Error(
      "InvalidRequest",
      "The source of a copy request may not specifically refer to a delete marker by version id.",
    );
  }
  const meta = v.state.data.meta;
  const outcome = evaluate(conditionHeaders(ctx.headers, "x-amz-copy-source-if-"), {
    etag: meta.etag,
    lastModified: v.timestamp,
  });
  if (outcome === "notModified") throw preconditionFailed("x-amz-copy-source-If-None-Match");
  return { bucket, key, v: v as VisibleVersion, meta, versionId };
}

/** The version headers of a copy's answer: the source's (if versioned) and the new one's. */
function copyHeaders(
  src: { bucket: BucketEntry; v: ObjectVersion },
  versionId: string | undefined,
): Record<string, string> {
  const h: Record<string, string> = {};
  const source = versionHeader(src.bucket, src.v)["x-amz-version-id"];
  if (source !== undefined) h["x-amz-copy-source-version-id"] = source;
  if (versionId !== undefined) h["x-amz-version-id"] = versionId;
  return h;
}

export async function copyObject(ctx: ObjectContext): Promise<Response> {
  const { model } = ctx.deps;
  const found = await copySource(ctx);
  const src = {
    ...found,
    settings: requestedSettings("CopyObject", ctx.headers, ctx.bucket, found.v.tags?.tags),
  };
  const directive = (ctx.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw new S3Error("InvalidArgument", "Unknown metadata directive.", {
      ArgumentName: "x-amz-metadata-directive",
      ArgumentValue: directive,
    });
  }
  const srcCipher = cipherToRead(src.meta, customerKey(ctx.headers, COPY_SOURCE_SSE_HEADERS));
  const enc = encryptionFor(customerKey(ctx.headers));
  if (
    directive === "COPY" && src.bucket.id === ctx.bucket.id && src.key === ctx.key && !enc &&
    !srcCipher && src.versionId === undefined
  ) {
    throw new S3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const headers = directive === "REPLACE" ? storedHeaders(ctx.headers) : src.meta.headers;
  await checkQuota(model, ctx.bucket, ctx.key, src.meta.size);
  if (srcCipher || enc) return await copySealed(ctx, src, headers, srcCipher, enc);
  const meta: ObjectMeta = { ...src.meta, headers };
  const uuid = newUuid();
  const bucketId = ctx.bucket.id;
  const data = src.v.state.data;
  if (data.t === "blocks") {
    const started = Date.now();
    await model.objects.insert({
      bucketId,
      key: ctx.key,
      versions: [{ uuid, timestamp: started, state: { s: "uploading" } }],
    });
    try {
      await model.shareBlocks(src.v.uuid, uuid, undefined, undefined, {
        t: "object",
        bucketId,
        key: ctx.key,
      });
    } catch (e) {
      await abortVersion(model, bucketId, ctx.key, uuid, started);
      throw e;
    }
  }
  return await commitCopy(ctx, src, uuid, meta, data.t === "inline" ? data.bytes : undefined);
}

/**
 * Makes the copy the destination's current version, conditions checked again first;
 * `committing.now` is set once the version may have reached a replica (see undoWrite).
 */
async function commitCopy(
  ctx: ObjectContext,
  src: { bucket: BucketEntry; v: ObjectVersion; settings?: VersionSettings },
  uuid: string,
  meta: ObjectMeta,
  inline: Uint8Array | undefined,
  committing = { now: false },
): Promise<Response> {
  const timestamp = await prepareWrite(ctx, ctx.bucket.id, ctx.key);
  committing.now = true;
  const { versionId } = await writeVersion(
    ctx.deps.model,
    ctx.bucket,
    ctx.key,
    uuid,
    timestamp,
    inline ? { t: "inline", meta, bytes: inline } : { t: "blocks", meta },
    src.settings,
  );
  return xmlResponse(
    "CopyObjectResult",
    {
      ETag: quotedEtag(meta.etag),
      LastModified: isoDate(timestamp),
    },
    200,
    { ...sseHeaders(meta.sse), ...copyHeaders(src, versionId) },
  );
}

/**
 * A copy from or to an encrypted object: blocks cannot be shared, the bytes are read (opened
 * with the source's key) and written again (sealed with the destination's, if any).
 */
async function copySealed(
  ctx: ObjectContext,
  src: Awaited<ReturnType<typeof copySource>> & { settings?: VersionSettings },
  headers: Array<[string, string]>,
  srcCipher: ObjectCipher | undefined,
  enc: ReturnType<typeof encryptionFor>,
): Promise<Response> {
  const { model } = ctx.deps;
  const bucketId = ctx.bucket.id;
  const uuid = newUuid();
  const committing = { now: false };
  try {
    const r = await writeBlocks(
      model,
      uuid,
      0,
      readObject(model, src.v, undefined, srcCipher?.open),
      {
        owner: { t: "object", bucketId, key: ctx.key },
        seal: enc?.cipher.seal,
      },
    );
    const meta: ObjectMeta = { size: r.size, etag: toHex(r.md5), headers };
    // A whole-object checksum still holds for the same bytes; a per-part one does not.
    if (src.meta.checksum && !src.meta.parts) meta.checksum = src.meta.checksum;
    if (enc) Object.assign(meta, { sse: enc.sse, etag: sealedEtag(r.md5, enc.sse) });
    return await commitCopy(ctx, src, uuid, meta, r.inline, committing);
  } catch (e) {
    await undoWrite(model, uuid, committing.now);
    throw e;
  }
}

function copyRange(
  header: string | null,
  size: number,
): { start: number; end: number } | undefined {
  if (header === null) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new S3Error(
      "InvalidArgument",
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
      { ArgumentName: "x-amz-copy-source-range", ArgumentValue: header },
    );
  }
  if (Number(m[2]) >= size) {
    throw new S3Error("InvalidRange", "The requested range is not satisfiable", {
      RangeRequested: header,
      ActualObjectSize: String(size),
    });
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function uploadPartCopy(ctx: ObjectContext): Promise<Response> {
  const { model } = ctx.deps;
  const part = partNumberOf(ctx);
  const upload = await uploadOf(ctx);
  const src = await copySource(ctx);
  const range = copyRange(ctx.headers.get("x-amz-copy-source-range"), src.meta.size);
  const version = newUuid();
  try {
    const srcCipher = cipherToRead(
      src.meta,
      customerKey(ctx.headers, COPY_SOURCE_SSE_HEADERS),
    );
    const cipher = cipherToRead(upload, customerKey(ctx.headers));
    const r = await writeBlocks(
      model,
      version,
      part,
      readObject(model, src.v, range, srcCipher?.open),
      {
        noInline: true,
        seal: cipher?.seal,
        owner: {
          t: "upload",
          uploadId: upload.uploadId,
          bucketId: upload.bucketId,
          key: upload.key,
        },
      },
    );
    const etag = upload.sse ? sealedEtag(r.md5, upload.sse) : toHex(r.md5);
    await recordPart(model, upload, { part, version, etag, size: r.size });
    return xmlResponse(
      "CopyPartResult",
      {
        ETag: quotedEtag(etag),
        LastModified: isoDate(Date.now()),
      },
      200,
      copyHeaders(src, undefined),
    );
  } catch (e) {
    await model.releaseVersion(version).catch(() => {});
    throw e;
  }
}
