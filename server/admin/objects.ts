/**
 * The object endpoints the console's object browser uses: list by folder, download, upload
 * (whole or in parts, the body streaming into blocks), delete, and presigned links. They call
 * the model's object operations directly, the same ones the S3 handlers call.
 */
import type {
  BucketObject,
  BucketObjectVersion,
  CreateBucketUploadResponse,
  DeleteBucketObjectsResponse,
  ListBucketObjectsResponse,
  ListBucketObjectVersionsResponse,
  PresignBucketObjectResponse,
  PutBucketObjectResponse,
  PutBucketUploadPartResponse,
  RestoreBucketObjectVersionResponse,
} from "../../shared/admin.ts";
import { globalAliases, localAliases, permissionOf } from "../model/buckets/bucket_ops.ts";
import { presignGet } from "../api/auth/presign.ts";
import { DELETE_BATCH, deleteCurrent, restoreVersion } from "../model/objects/object_write.ts";
import { listVersions } from "../model/listing/version_listing.ts";
import { mergedSettings } from "../model/objects/versions.ts";
import { versionIdOf } from "../model/tables/object.ts";
import { settleEach } from "../util/settle.ts";
import { getObject } from "../api/object_read.ts";
import { validateKey } from "../api/keys.ts";
import {
  abortUpload,
  completeUpload,
  findUpload,
  startUpload,
  writePart,
} from "../model/objects/uploads.ts";
import type { WriteResult } from "../model/objects/write.ts";
import { writeObject } from "../model/objects/object_write.ts";
import { BodyError } from "../model/objects/write.ts";
import { storedHeaders } from "../api/headers.ts";
import { RequestTarget } from "../util/target.ts";
import { randomHex } from "../util/ids.ts";
import { storageFull } from "../api/error_response.ts";
import type { Call, EndpointDef } from "./context.ts";
import { existingBucket, existingKey } from "./buckets.ts";
import { s3Endpoint } from "./s3_endpoint.ts";
import { AdminError, badRequest } from "./errors.ts";
import { bodyFields, Fields } from "./validate.ts";

const MAX_LIST = 1000;
/** Versions of one key listed at once (the console's history of an object). */
const MAX_VERSIONS = 1000;
const MAX_DELETE = 1000;
const MAX_PRESIGN_SECS = 7 * 24 * 3600;

function objectKey(key: string): string {
  validateKey(key);
  return key;
}

/** The bucket and key of a query-string call. */
function queryTarget(c: Call) {
  const bucket = existingBucket(c.deps.model, c.query.required("bucketId", "the bucket's id"));
  const key = objectKey(c.query.required("key", "the object's key"));
  return { bucket, key };
}

function bodyTarget(c: Call, f: Fields) {
  const bucket = existingBucket(c.deps.model, f.str("bucketId"), "bucketId");
  const key = objectKey(f.str("key", { nonEmpty: true }));
  return { bucket, key };
}

async function listObjects(c: Call): Promise<ListBucketObjectsResponse> {
  const bucket = existingBucket(c.deps.model, c.query.required("bucketId", "the bucket's id"));
  const prefix = c.query.get("prefix") ?? "";
  const delimiter = c.query.get("delimiter") || undefined;
  const maxText = c.query.get("maxKeys") ?? String(MAX_LIST);
  const max = Number(maxText);
  if (!/^\d+$/.test(maxText) || max < 1 || max > MAX_LIST) {
    throw badRequest(`\`maxKeys\` must be an integer from 1 to ${MAX_LIST}, got "${maxText}"`);
  }
  const after = c.query.get("continuationToken") || undefined;
  if (c.query.bool("versions")) {
    return await listKeysWithVersions(c, bucket.id, prefix, delimiter, after, max);
  }
  const r = await c.deps.model.objectPages.page(bucket.id, { prefix, delimiter, after, max });
  const objects = [];
  const prefixes = [];
  for (const i of r.items) {
    if (i.kind === "prefix") prefixes.push(i.key);
    else {
      const o = i.entry;
      objects.push({
        key: i.key,
        size: o.size,
        lastModified: new Date(o.timestamp).toISOString(),
        etag: o.etag,
      });
    }
  }
  return {
    prefix,
    delimiter: delimiter ?? null,
    objects,
    prefixes,
    nextContinuationToken: r.truncated ? r.items[r.items.length - 1]?.key ?? null : null,
  };
}

/**
 * ListBucketObjects with `versions=true`: every key that has a version, deleted ones (whose
 * latest version is a marker) included, so that the console can bring them back.
 */
async function listKeysWithVersions(
  c: Call,
  bucketId: string,
  prefix: string,
  delimiter: string | undefined,
  keyMarker: string | undefined,
  max: number,
): Promise<ListBucketObjectsResponse> {
  const r = await listVersions(c.deps.model, bucketId, { prefix, delimiter, keyMarker, max });
  const objects: BucketObject[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  for (const i of r.items) {
    if (i.kind === "prefix") {
      prefixes.push(i.key);
      last = i.key;
      continue;
    }
    if (i.row.key === last) continue;
    last = i.row.key;
    const v = i.row.version;
    const data = v.state.data;
    objects.push({
      key: i.row.key,
      size: data.t === "delete" ? 0 : data.meta.size,
      lastModified: new Date(v.timestamp).toISOString(),
      etag: data.t === "delete" ? "" : data.meta.etag,
      ...(data.t === "delete" ? { deleted: true } : {}),
    });
  }
  return {
    prefix,
    delimiter: delimiter ?? null,
    objects,
    prefixes,
    nextContinuationToken: r.truncated ? last ?? null : null,
  };
}

/** RFC 6266: an ASCII fallback name and the UTF-8 one. */
function attachment(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1) || "download";
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function getBucketObject(c: Call): Promise<Response> {
  const { bucket, key } = queryTarget(c);
  const url = new RequestTarget(c.req.url);
  const res = await getObject({
    deps: c.deps,
    headers: c.req.headers,
    url,
    query: url.searchParams,
    requestId: randomHex(8).toUpperCase(),
    bucket,
    key,
    bytesOut: 0,
  }, c.req.method === "HEAD");
  res.headers.set("content-disposition", attachment(key));
  // The console keeps these off its own origin's documents: the bytes are never run as a page.
  res.headers.set("content-security-policy", "sandbox");
  res.headers.set("x-content-type-options", "nosniff");
  return res;
}

/** The console's upload: the request body streams into the object, as a PutObject's does. */
async function putBucketObject(c: Call): Promise<PutBucketObjectResponse> {
  const { bucket, key } = queryTarget(c);
  const full = c.deps.sys.diskFull();
  if (full) throw storageFull(full);
  const { meta } = await writeObject(c.deps.model, {
    bucket,
    key,
    headers: storedHeaders(c.req.headers),
    ...uploadBody(c),
  }).catch(cutShort);
  return { key, etag: meta.etag };
}

/** The request body of an upload, and the check that every byte it announced came. */
function uploadBody(c: Call) {
  const length = c.req.headers.get("content-length");
  const announced = length === null ? undefined : Number(length);
  return {
    body: c.req.body ?? new ReadableStream<Uint8Array>({ start: (k) => k.close() }),
    sizeHint: announced,
    verify(r: WriteResult): undefined {
      if (announced !== undefined && r.size !== announced) throw incomplete(r.size);
    },
  };
}

function incomplete(received?: number): AdminError {
  return new AdminError(
    400,
    "IncompleteBody",
    `The request body ended before the bytes its Content-Length announced${
      received === undefined ? "" : ` (${received} received)`
    }.`,
  );
}

/** A body that could not be read whole (the client went away) is the client's doing. */
function cutShort(e: unknown): never {
  throw e instanceof BodyError ? incomplete() : e;
}

async function createUpload(c: Call): Promise<CreateBucketUploadResponse> {
  const f = bodyFields(c.body, ["bucketId", "key", "contentType"]);
  const { bucket, key } = bodyTarget(c, f);
  const type = f.optStr("contentType");
  const upload = await startUpload(c.deps.model, bucket.id, key, {
    headers: [["content-type", type ?? "binary/octet-stream"]],
  });
  return { uploadId: upload.uploadId };
}

async function putUploadPart(c: Call): Promise<PutBucketUploadPartResponse> {
  const { bucket, key } = queryTarget(c);
  const id = c.query.required("uploadId", "the upload's id");
  const number = c.query.required("partNumber", "the part's number");
  const partNumber = Number(number);
  if (!/^\d+$/.test(number) || partNumber < 1 || partNumber > 10000) {
    throw badRequest(`\`partNumber\` must be a whole number from 1 to 10000, got ${number}`);
  }
  const upload = await findUpload(c.deps.model, bucket.id, key, id);
  const done = await writePart(c.deps.model, upload, partNumber, uploadBody(c)).catch(cutShort);
  return { partNumber, etag: done.etag };
}

async function completeBucketUpload(c: Call): Promise<PutBucketObjectResponse> {
  const f = bodyFields(c.body, ["bucketId", "key", "uploadId", "parts"]);
  const { bucket, key } = bodyTarget(c, f);
  const upload = await findUpload(c.deps.model, bucket.id, key, f.str("uploadId"), true);
  const parts = f.list("parts").map((p, i) => {
    const pf = Fields.of(p, `parts[${i}]`, ["partNumber", "etag"]);
    return { part: pf.int("partNumber", 1), etag: pf.str("etag").replaceAll('"', "") };
  });
  if (parts.length === 0) throw badRequest("`parts` must list at least one part");
  const done = await completeUpload(c.deps.model, bucket, upload, parts);
  return { key, etag: done.etag };
}

async function abortBucketUpload(c: Call): Promise<null> {
  const f = bodyFields(c.body, ["bucketId", "key", "uploadId"]);
  const { bucket, key } = bodyTarget(c, f);
  await abortUpload(
    c.deps.model,
    await findUpload(c.deps.model, bucket.id, key, f.str("uploadId")),
  );
  return null;
}

async function deleteObjects(c: Call): Promise<DeleteBucketObjectsResponse> {
  const f = bodyFields(c.body, ["bucketId", "keys"]);
  const bucket = existingBucket(c.deps.model, f.str("bucketId"), "bucketId");
  const keys = f.strings("keys");
  if (keys.length > MAX_DELETE) {
    throw badRequest(`At most ${MAX_DELETE} keys can be deleted at once; got ${keys.length}`);
  }
  const out: DeleteBucketObjectsResponse = { deleted: [], errors: [] };
  const outcomes = await settleEach(
    keys,
    DELETE_BATCH,
    (key) => deleteCurrent(c.deps.model, bucket, objectKey(key)),
  );
  outcomes.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") out.deleted.push(keys[i]);
    else out.errors.push({ key: keys[i], message: (outcome.reason as Error).message });
  });
  return out;
}

function presign(c: Call): PresignBucketObjectResponse {
  const f = bodyFields(c.body, ["bucketId", "key", "accessKeyId", "expiresInSecs"]);
  const { bucket, key } = bodyTarget(c, f);
  const apiKey = existingKey(c.deps.model, f.str("accessKeyId"));
  const secs = f.has("expiresInSecs") ? f.int("expiresInSecs", 1) : 3600;
  if (secs > MAX_PRESIGN_SECS) {
    throw badRequest(`\`expiresInSecs\` is at most ${MAX_PRESIGN_SECS} (7 days), got ${secs}`);
  }
  if (!permissionOf(apiKey, bucket.id).read) {
    throw badRequest(
      `Key ${apiKey.id} (${apiKey.name.v}) cannot read this bucket: allow it to read (AllowBucketKey) or sign with another key`,
    );
  }
  const name = globalAliases(bucket)[0] ??
    localAliases(bucket).find((l) => l.keyId === apiKey.id)?.alias;
  if (!name) {
    throw badRequest(
      "The bucket has no name this key can use in a link: give it a global alias, or a local alias for this key",
    );
  }
  const now = new Date();
  return {
    url: presignGet({
      endpoint: s3Endpoint(c),
      bucket: name,
      key,
      accessKeyId: apiKey.id,
      secret: apiKey.secret,
      region: c.deps.sys.config.s3Api.s3Region,
      expiresInSecs: secs,
      now,
    }),
    expiresAt: new Date(now.getTime() + secs * 1000).toISOString(),
  };
}

const TARGET = ["bucketId", "key"] as const;

/** Every version of one key, newest first, with its lock and tags. */
async function listObjectVersions(c: Call): Promise<ListBucketObjectVersionsResponse> {
  const { bucket, key } = queryTarget(c);
  const model = c.deps.model;
  const versions: BucketObjectVersion[] = [];
  const page = await listVersions(model, bucket.id, { prefix: "", key, max: MAX_VERSIONS });
  for (const i of page.items) {
    if (i.kind !== "version") continue;
    // A kept version's row is its history copy already; the current one may have a copy there too.
    const row = i.row.version;
    const v = i.row.isLatest
      ? { ...row, ...await mergedSettings(model, bucket.id, key, row) }
      : row;
    const data = v.state.data;
    const r = v.retention;
    versions.push({
      versionId: versionIdOf(v),
      isLatest: i.row.isLatest,
      deleteMarker: data.t === "delete",
      size: data.t === "delete" ? 0 : data.meta.size,
      lastModified: new Date(v.timestamp).toISOString(),
      etag: data.t === "delete" ? null : data.meta.etag,
      retention: r && r.until > Date.now()
        ? { mode: r.mode, retainUntil: new Date(r.until).toISOString() }
        : null,
      legalHold: v.legalHold?.on ?? false,
      tags: (v.tags?.tags ?? []).map(([k, val]) => ({ key: k, value: val })),
      acl: v.acl?.acl ?? "private",
    });
  }
  return { key, versions };
}

async function restoreObjectVersion(c: Call): Promise<RestoreBucketObjectVersionResponse> {
  const f = bodyFields(c.body, ["bucketId", "key", "versionId"]);
  const { bucket, key } = bodyTarget(c, f);
  const versionId = f.str("versionId", { nonEmpty: true });
  const done = await restoreVersion(c.deps.model, bucket, key, versionId);
  if (!done) {
    throw new AdminError(404, "NoSuchVersion", `Object ${key} has no version ${versionId}`);
  }
  return { key, versionId: done.versionId ?? "null" };
}

export const objectEndpoints: Record<string, EndpointDef> = {
  ListBucketObjects: {
    query: ["bucketId", "prefix", "delimiter", "continuationToken", "maxKeys", "versions"],
    run: listObjects,
  },
  GetBucketObject: { query: [...TARGET, "versionId"], run: getBucketObject },
  ListBucketObjectVersions: { query: [...TARGET], run: listObjectVersions },
  RestoreBucketObjectVersion: { query: [], run: restoreObjectVersion },
  PutBucketObject: { query: [...TARGET], raw: true, run: putBucketObject },
  CreateBucketUpload: { query: [], run: createUpload },
  PutBucketUploadPart: {
    query: [...TARGET, "uploadId", "partNumber"],
    raw: true,
    run: putUploadPart,
  },
  CompleteBucketUpload: { query: [], run: completeBucketUpload },
  AbortBucketUpload: { query: [], run: abortBucketUpload },
  DeleteBucketObjects: { query: [], run: deleteObjects },
  PresignBucketObject: { query: [], run: presign },
};
