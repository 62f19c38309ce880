/** ListObjects (v1, v2), ListObjectVersions, ListMultipartUploads and ListParts. */
import { ownerIdOf } from "../model/buckets/bucket_ops.ts";
import type { ObjectListing } from "../model/listing/object_listing.ts";
import { mpuSortKey } from "../model/tables/mpu.ts";
import type { MpuEntry } from "../model/tables/mpu.ts";
import { uriEncode } from "../api/auth/encode.ts";
import { type BucketContext, type ObjectContext } from "./context.ts";
import { isoDate, xmlResponse } from "../api/response.ts";
import { S3Error } from "../api/error.ts";
import { quotedEtag } from "../api/headers.ts";
import { escapeXml, RawXml } from "../api/xml.ts";
import { listKeys, type ListResult } from "../model/listing/listing.ts";
import { uploadOf } from "./multipart.ts";
import { latestParts } from "../model/objects/uploads.ts";
import { listVersions } from "../model/listing/version_listing.ts";
import { versionIdOf } from "../model/tables/object.ts";
import { checkVersionId } from "./unsupported.ts";

const MAX_KEYS = 1000;

function intParam(ctx: BucketContext, name: string, dflt: number, max: number): number {
  const v = ctx.query.get(name);
  if (v === null || v === "") return dflt;
  if (!/^\d+$/.test(v)) {
    throw new S3Error(
      "InvalidArgument",
      `Provided ${name} not an integer or within integer range`,
      {
        ArgumentName: name,
        ArgumentValue: v,
      },
    );
  }
  return Math.min(Number(v), max);
}

function encoder(ctx: BucketContext): (s: string | undefined) => string | undefined {
  const et = ctx.query.get("encoding-type");
  if (et !== null && et !== "url") {
    throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: et,
    });
  }
  return et === "url" ? (s) => s === undefined ? undefined : uriEncode(s, false) : (s) => s;
}

/**
 * The Contents elements, rendered straight to text: a page holds a thousand of them, and
 * building an object per entry to walk it afterwards was a fifth of a listing's time.
 */
function contents(
  ctx: BucketContext,
  r: ListResult<ObjectListing>,
  enc: (s?: string) => string | undefined,
  withOwner: boolean,
): RawXml {
  const id = escapeXml(ownerIdOf(ctx.bucket));
  const owner = withOwner ? `<Owner><ID>${id}</ID><DisplayName>${id}</DisplayName></Owner>` : "";
  let out = "";
  for (const i of r.items) {
    if (i.kind !== "entry") continue;
    const o = i.entry;
    out += `<Contents><Key>${escapeXml(enc(i.key)!)}</Key><LastModified>${
      isoDate(o.timestamp)
    }</LastModified><ETag>${escapeXml(quotedEtag(o.etag))}</ETag>${
      o.checksumAlg ? `<ChecksumAlgorithm>${escapeXml(o.checksumAlg)}</ChecksumAlgorithm>` : ""
    }<Size>${o.size}</Size>${owner}<StorageClass>STANDARD</StorageClass></Contents>`;
  }
  return new RawXml(out);
}

function prefixes(r: ListResult<unknown>, enc: (s?: string) => string | undefined) {
  return r.items.filter((i) => i.kind === "prefix").map((i) => ({ Prefix: enc(i.key) }));
}

/** The parameters every object listing shares. */
function commonParams(ctx: BucketContext) {
  return {
    enc: encoder(ctx),
    prefix: ctx.query.get("prefix") ?? "",
    delimiter: ctx.query.get("delimiter") || undefined,
    max: intParam(ctx, "max-keys", MAX_KEYS, MAX_KEYS),
  };
}

export async function listObjectsV1(ctx: BucketContext): Promise<Response> {
  const { enc, prefix, delimiter, max } = commonParams(ctx);
  const marker = ctx.query.get("marker") || undefined;
  const r = await ctx.deps.model.objectPages.page(ctx.bucket.id, {
    prefix,
    delimiter,
    after: marker,
    max,
  });
  const last = r.items[r.items.length - 1];
  return xmlResponse("ListBucketResult", {
    Name: ctx.bucketName,
    // V1 leaves the Prefix element as sent, encoding-type or not (as AWS does, and boto expects).
    Prefix: prefix,
    Marker: enc(marker ?? ""),
    NextMarker: r.truncated && delimiter ? enc(last?.key) : undefined,
    MaxKeys: max,
    Delimiter: enc(delimiter),
    IsTruncated: r.truncated,
    EncodingType: ctx.query.get("encoding-type") ?? undefined,
    Contents: contents(ctx, r, enc, true),
    CommonPrefixes: prefixes(r, enc),
  });
}

function decodeToken(t: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(t), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", {
      ArgumentName: "continuation-token",
    });
  }
}

function encodeToken(key: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(key)));
}

export async function listObjectsV2(ctx: BucketContext): Promise<Response> {
  const { enc, prefix, delimiter, max } = commonParams(ctx);
  const token = ctx.query.get("continuation-token");
  const startAfter = ctx.query.get("start-after") || undefined;
  const after = token !== null ? decodeToken(token) : startAfter;
  const r = await ctx.deps.model.objectPages.page(ctx.bucket.id, { prefix, delimiter, after, max });
  const last = r.items[r.items.length - 1];
  return xmlResponse("ListBucketResult", {
    Name: ctx.bucketName,
    Prefix: enc(prefix),
    Delimiter: enc(delimiter),
    MaxKeys: max,
    KeyCount: r.items.length,
    IsTruncated: r.truncated,
    EncodingType: ctx.query.get("encoding-type") ?? undefined,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: r.truncated && last ? encodeToken(last.key) : undefined,
    StartAfter: enc(startAfter),
    Contents: contents(ctx, r, enc, ctx.query.get("fetch-owner") === "true"),
    CommonPrefixes: prefixes(r, enc),
  });
}

/** Without versioning each object has one version, "null", which is the latest. */
export async function listObjectVersions(ctx: BucketContext): Promise<Response> {
  const { enc, prefix, delimiter, max } = commonParams(ctx);
  const keyMarker = ctx.query.get("key-marker") || undefined;
  const versionIdMarker = ctx.query.get("version-id-marker") || undefined;
  if (versionIdMarker !== undefined) {
    if (keyMarker === undefined) {
      throw new S3Error(
        "InvalidArgument",
        "A version-id marker cannot be specified without a key marker.",
        { ArgumentName: "version-id-marker", ArgumentValue: versionIdMarker },
      );
    }
    checkVersionId(versionIdMarker, "version-id-marker");
  }
  const r = await listVersions(ctx.deps.model, ctx.bucket.id, {
    prefix,
    delimiter,
    keyMarker,
    versionIdMarker,
    max,
  });
  const id = escapeXml(ownerIdOf(ctx.bucket));
  const owner = `<Owner><ID>${id}</ID><DisplayName>${id}</DisplayName></Owner>`;
  // Versions and delete markers come interleaved, in listing order, as S3 sends them.
  let rows = "";
  for (const i of r.items) {
    if (i.kind !== "version") continue;
    const { key, version: v, isLatest } = i.row;
    const common = `<Key>${escapeXml(enc(key)!)}</Key><VersionId>${
      escapeXml(versionIdOf(v))
    }</VersionId><IsLatest>${isLatest}</IsLatest><LastModified>${
      isoDate(v.timestamp)
    }</LastModified>`;
    const data = v.state.data;
    rows += data.t === "delete"
      ? `<DeleteMarker>${common}${owner}</DeleteMarker>`
      : `<Version>${common}<ETag>${
        escapeXml(quotedEtag(data.meta.etag))
      }</ETag><Size>${data.meta.size}</Size>${owner}<StorageClass>STANDARD</StorageClass></Version>`;
  }
  const last = r.items[r.items.length - 1];
  const next = r.truncated && last
    ? {
      NextKeyMarker: enc(last.kind === "prefix" ? last.key : last.row.key),
      NextVersionIdMarker: last.kind === "version" ? versionIdOf(last.row.version) : undefined,
    }
    : {};
  return xmlResponse("ListVersionsResult", {
    Name: ctx.bucketName,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker ?? ""),
    VersionIdMarker: versionIdMarker ?? "",
    ...next,
    MaxKeys: max,
    Delimiter: enc(delimiter),
    IsTruncated: r.truncated,
    EncodingType: ctx.query.get("encoding-type") ?? undefined,
    Versions: new RawXml(rows),
    CommonPrefixes: r.items.filter((i) => i.kind === "prefix").map((i) => ({ Prefix: enc(i.key) })),
  });
}

export async function listMultipartUploads(ctx: BucketContext): Promise<Response> {
  const { enc, prefix, delimiter } = commonParams(ctx);
  const { model } = ctx.deps;
  const keyMarker = ctx.query.get("key-marker") || undefined;
  const idMarker = ctx.query.get("upload-id-marker") || undefined;
  const max = intParam(ctx, "max-uploads", MAX_KEYS, MAX_KEYS);
  // Without an upload id marker, every upload of the key marker itself is skipped.
  const after = keyMarker === undefined
    ? undefined
    : idMarker
    ? mpuSortKey(keyMarker, idMarker)
    : keyMarker + "\u0001";
  const r = await listKeys<MpuEntry>(
    (start, end, limit) => model.uploads.range(ctx.bucket.id, { start, end, limit }),
    (e) => e.key,
    (e) => !e.deleted,
    { prefix, delimiter, after, max },
    (e) => mpuSortKey(e.key, e.uploadId),
  );
  const owner = { ID: ownerIdOf(ctx.bucket), DisplayName: ownerIdOf(ctx.bucket) };
  const last = r.items[r.items.length - 1];
  return xmlResponse("ListMultipartUploadsResult", {
    Bucket: ctx.bucketName,
    KeyMarker: enc(keyMarker ?? ""),
    UploadIdMarker: idMarker ?? "",
    NextKeyMarker: r.truncated ? enc(last?.key) : undefined,
    NextUploadIdMarker: r.truncated && last?.kind === "entry" ? last.entry.uploadId : undefined,
    Prefix: enc(prefix),
    Delimiter: enc(delimiter),
    MaxUploads: max,
    IsTruncated: r.truncated,
    EncodingType: ctx.query.get("encoding-type") ?? undefined,
    Upload: r.items.flatMap((i) =>
      i.kind === "entry"
        ? [{
          Key: enc(i.key),
          UploadId: i.entry.uploadId,
          Initiator: owner,
          Owner: owner,
          StorageClass: "STANDARD",
          Initiated: isoDate(i.entry.initiated),
        }]
        : []
    ),
    CommonPrefixes: prefixes(r, enc),
  });
}

export async function listParts(ctx: ObjectContext): Promise<Response> {
  const upload = await uploadOf(ctx);
  const max = intParam(ctx, "max-parts", MAX_KEYS, MAX_KEYS);
  const marker = intParam(ctx, "part-number-marker", 0, 10000);
  const parts = (await latestParts(ctx.deps.model, upload.uploadId)).filter((p) => p.part > marker);
  const page = parts.slice(0, max);
  const truncated = parts.length > max;
  const owner = { ID: ownerIdOf(ctx.bucket), DisplayName: ownerIdOf(ctx.bucket) };
  return xmlResponse("ListPartsResult", {
    Bucket: ctx.bucketName,
    Key: ctx.key,
    UploadId: upload.uploadId,
    Initiator: owner,
    Owner: owner,
    StorageClass: "STANDARD",
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1].part : undefined,
    MaxParts: max,
    IsTruncated: truncated,
    ChecksumAlgorithm: upload.checksumAlgorithm ?? undefined,
    Part: page.map((p) => ({
      PartNumber: p.part,
      LastModified: isoDate(p.timestamp),
      ETag: quotedEtag(p.etag),
      Size: p.size,
      ...(p.checksum ? { [`Checksum${p.checksum.alg}`]: p.checksum.value } : {}),
    })),
  });
}
