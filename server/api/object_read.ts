/** GetObject and HeadObject: conditions, ranges, part numbers, response header overrides. */
import {
  lastComplete,
  type ObjectVersion,
  versionIdOf,
  type VisibleVersion,
  visibleVersion,
} from "../model/tables/object.ts";
import { findVersion } from "../model/objects/versions.ts";
import { versioningOf } from "../model/buckets/protection.ts";
import { type ByteRange, openObject, partRanges } from "../model/objects/read.ts";
import { conditionHeaders, evaluate } from "./conditions.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { HeaderReader } from "../util/header_map.ts";
import type { Query, RequestTarget } from "../util/target.ts";
import { type ApiDeps, identifiedResponse, responseIds } from "./response.ts";
import { S3Error } from "./error.ts";
import { objectHeaders, RESPONSE_OVERRIDES, settingsHeaders } from "./headers.ts";
import { parseRange } from "./range.ts";
import { cipherToRead, customerKey } from "./ssec.ts";

/**
 * What reading an object needs of a request: the S3 endpoint, the website endpoint (without an
 * access key) and the admin API each give it.
 */
export interface ReadContext {
  deps: ApiDeps;
  headers: HeaderReader;
  url: RequestTarget;
  query: Query;
  requestId: string;
  bucket: BucketEntry;
  key: string;
  /** Object bytes the response carries, for metrics. */
  bytesOut: number;
}

export function noSuchKey(ctx: Pick<ReadContext, "key">): S3Error {
  return new S3Error("NoSuchKey", "The specified key does not exist.", { Key: ctx.key });
}

export async function getObject(ctx: ReadContext, head: boolean): Promise<Response> {
  const versionId = ctx.query.get("versionId");
  const v = versionId === null ? await currentVersion(ctx) : await versionById(ctx, versionId);
  return objectResponse(ctx, v, head);
}

/** The version id header of a version, on a bucket that is or was versioned. */
export function versionHeader(bucket: BucketEntry, v: ObjectVersion): Record<string, string> {
  return v.id || versioningOf(bucket) ? { "x-amz-version-id": versionIdOf(v) } : {};
}

/**
 * The version of ctx.key a read sees; NoSuchKey when there is none (saying so when the latest
 * version is a delete marker, as S3 does).
 */
export async function currentVersion(
  ctx: Pick<ReadContext, "deps" | "bucket" | "key">,
): Promise<VisibleVersion> {
  const e = await ctx.deps.model.objects.get(ctx.bucket.id, ctx.key);
  const v = visibleVersion(e);
  if (v) return v;
  // On a bucket never versioned, a delete leaves no marker a client could see.
  const marker = e && lastComplete(e);
  if (!marker || !(marker.id || versioningOf(ctx.bucket))) throw noSuchKey(ctx);
  const err = noSuchKey(ctx);
  Object.assign(err.headers, {
    "x-amz-delete-marker": "true",
    ...versionHeader(ctx.bucket, marker),
  });
  throw err;
}

/** NoSuchKey, or NoSuchVersion when a version was named: a request that names nothing there. */
export function missingVersion(key: string, versionId: string | null | undefined): S3Error {
  return versionId === null || versionId === undefined
    ? new S3Error("NoSuchKey", "The specified key does not exist.", { Key: key })
    : new S3Error("NoSuchVersion", "The specified version does not exist.", {
      Key: key,
      VersionId: versionId,
    });
}

/** A version named by id: NoSuchVersion if there is none, 405 if it is a delete marker. */
export async function versionById(
  ctx: Pick<ReadContext, "deps" | "bucket" | "key">,
  versionId: string,
): Promise<VisibleVersion> {
  const v = await findVersion(ctx.deps.model, ctx.bucket.id, ctx.key, versionId);
  if (!v) throw missingVersion(ctx.key, versionId);
  if (v.state.data.t === "delete") {
    throw new S3Error(
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
      { Method: "GET", ResourceType: "DeleteMarker" },
      { "x-amz-delete-marker": "true", "x-amz-version-id": versionId, allow: "DELETE" },
    );
  }
  return v as VisibleVersion;
}

/** GET or HEAD of a version, as the request's conditions, range and part number ask. */
export async function objectResponse(
  ctx: ReadContext,
  v: VisibleVersion,
  head: boolean,
): Promise<Response> {
  const { model } = ctx.deps;
  const meta = v.state.data.meta;
  const cipher = cipherToRead(meta, customerKey(ctx.headers));
  // A checksum describes the whole object: it is not sent with a part of it.
  const whole = !ctx.headers.has("range") && !ctx.query.has("partNumber");
  const checksumMode = ctx.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  const headers = objectHeaders(v, meta, checksumMode && whole);
  Object.assign(headers, versionHeader(ctx.bucket, v), settingsHeaders(v));
  const outcome = evaluate(conditionHeaders(ctx.headers), {
    etag: meta.etag,
    lastModified: v.timestamp,
  });
  if (outcome === "notModified") {
    const h: Record<string, string> = {};
    for (const n of ["etag", "last-modified", "cache-control", "expires"]) {
      if (headers[n]) h[n] = headers[n];
    }
    return new Response(null, { status: 304, headers: h });
  }
  if (ctx.url.search) {
    for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
      const val = ctx.query.get(param);
      if (val === null) continue;
      // A header value is Latin-1 text on one line: anything else would be a split response.
      if (/[^\t\x20-\x7e\x80-\xff]/.test(val)) {
        throw new S3Error(
          "InvalidArgument",
          `${param} must be text that fits in an HTTP header: no line breaks, control characters or characters beyond Latin-1 (percent-encode them, as RFC 5987 allows in content-disposition).`,
          { ArgumentName: param, ArgumentValue: encodeURIComponent(val) },
        );
      }
      headers[header] = val;
    }
  }

  let range: ByteRange | undefined;
  const partParam = ctx.query.get("partNumber");
  if (partParam !== null) {
    const part = Number(partParam);
    if (!/^\d+$/.test(partParam) || part < 1 || part > 10000) {
      throw new S3Error(
        "InvalidArgument",
        "Part number must be an integer between 1 and 10000, inclusive",
        { ArgumentName: "partNumber", ArgumentValue: partParam },
      );
    }
    if (ctx.headers.has("range")) {
      throw new S3Error(
        "InvalidRequest",
        "Cannot specify both Range header and partNumber query parameter",
      );
    }
    if (meta.parts) {
      const r = (await partRanges(model, v.uuid)).get(part);
      if (!r) {
        throw new S3Error(
          "InvalidPart",
          "The requested part number does not exist in this object.",
          {
            PartNumberRequested: partParam,
          },
        );
      }
      range = r;
    } else if (part === 1) {
      range = meta.size > 0 ? { start: 0, end: meta.size - 1 } : undefined;
    } else {
      throw new S3Error("InvalidPart", "The requested part number does not exist in this object.", {
        PartNumberRequested: partParam,
      });
    }
    headers["x-amz-mp-parts-count"] = String(meta.parts ?? 1);
  } else {
    range = parseRange(ctx.headers.get("range"), meta.size);
  }

  const length = range ? range.end - range.start + 1 : meta.size;
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${meta.size}`;
  const status = range ? 206 : 200;
  Object.assign(headers, responseIds(ctx.requestId));
  const data = v.state.data;
  // A byte body brings its own length; each header given costs every response a little.
  if (head || data.t !== "inline") headers["content-length"] = String(length);
  if (head) return identifiedResponse(null, { status, headers });
  ctx.bytesOut = length;
  if (data.t === "inline") {
    // Small objects go out as bytes: a stream per response costs more than the object.
    const plain = cipher ? cipher.open(data.bytes) : data.bytes;
    const bytes = range ? plain.subarray(range.start, range.end + 1) : plain;
    return identifiedResponse(bytes as Uint8Array<ArrayBuffer>, { status, headers });
  }
  return identifiedResponse(await openObject(model, v, range, cipher?.open), { status, headers });
}
