/** Multipart uploads: create, upload part, complete, abort. */
import { requestedSettings } from "./object_settings.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { HeaderReader } from "../util/header_map.ts";
import type { MpuEntry } from "../model/tables/mpu.ts";
import type { ChecksumValue } from "../model/tables/object.ts";
import {
  abortUpload,
  completeUpload,
  findUpload,
  type RequestedPart,
  startUpload,
  writePart,
} from "../model/objects/uploads.ts";
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  parseChecksumAlgorithm,
} from "../util/checksum.ts";
import { bodyFailure, planBody, readDocument } from "./body.ts";
import { type ObjectContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { S3Error } from "../api/error.ts";
import { checkWriteConditions, hasWriteConditions } from "../api/conditions.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { cipherToRead, customerKey, sseHeaders } from "../api/ssec.ts";
import { newSseMeta } from "../model/objects/sse.ts";
import { parseXmlBody, xmlList, xmlToken } from "../api/xml.ts";

const MAX_PART_SIZE = 5 * 1024 ** 3;
const MAX_PART_NUMBER = 10000;

/** The object headers, checksum and SSE-C key an upload is started with. */
export function uploadSettings(h: HeaderReader, bucket: BucketEntry) {
  const algHeader = h.get("x-amz-checksum-algorithm");
  let checksumAlgorithm: ChecksumAlgorithm | undefined;
  if (algHeader) {
    checksumAlgorithm = parseChecksumAlgorithm(algHeader);
    if (!checksumAlgorithm) {
      throw new S3Error("InvalidRequest", `Checksum algorithm ${algHeader} is not supported.`);
    }
  }
  const given = customerKey(h);
  return {
    headers: storedHeaders(h),
    checksumAlgorithm,
    sse: given && newSseMeta(given),
    settings: requestedSettings("CreateMultipartUpload", h, bucket),
  };
}

export async function createMultipartUpload(ctx: ObjectContext): Promise<Response> {
  const upload = await startUpload(
    ctx.deps.model,
    ctx.bucket.id,
    ctx.key,
    uploadSettings(ctx.headers, ctx.bucket),
  );
  const alg = upload.checksumAlgorithm;
  return xmlResponse(
    "InitiateMultipartUploadResult",
    { Bucket: ctx.bucketName, Key: ctx.key, UploadId: upload.uploadId },
    200,
    { ...(alg ? { "x-amz-checksum-algorithm": alg } : {}), ...sseHeaders(upload.sse) },
  );
}

/** The upload named by ?uploadId=, which must belong to this bucket and key. */
export function uploadOf(ctx: ObjectContext, completedToo = false): Promise<MpuEntry> {
  const id = ctx.query.get("uploadId") ?? "";
  return findUpload(ctx.deps.model, ctx.bucket.id, ctx.key, id, completedToo);
}

export function partNumberOf(ctx: ObjectContext): number {
  const v = ctx.query.get("partNumber") ?? "";
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_PART_NUMBER) {
    throw new S3Error(
      "InvalidArgument",
      "Part number must be an integer between 1 and 10000, inclusive",
      { ArgumentName: "partNumber", ArgumentValue: v },
    );
  }
  return n;
}

export async function uploadPart(ctx: ObjectContext): Promise<Response> {
  const { model } = ctx.deps;
  const part = partNumberOf(ctx);
  const upload = await uploadOf(ctx);
  const cl = Number(ctx.headers.get("content-length") ?? "0");
  if (ctx.auth.payload.kind !== "streaming" && cl > MAX_PART_SIZE) {
    throw new S3Error(
      "EntityTooLarge",
      "Your proposed upload exceeds the maximum allowed part size of 5 GiB.",
    );
  }
  // Every part is sealed under the upload's key: the same customer key must come with each.
  const cipher = cipherToRead(upload, customerKey(ctx.headers));
  const plan = planBody(ctx);
  const done = await writePart(model, upload, part, {
    body: plan.stream,
    seal: cipher?.seal,
    sha256: plan.sha256,
    sizeHint: plan.sizeHint,
    checksum: plan.checksum,
    verify: (r) => {
      ctx.bytesIn += r.size;
      return plan.verify(r);
    },
  }).catch((e) => {
    throw bodyFailure(e);
  });
  const h = new Headers({ etag: quotedEtag(done.etag), ...sseHeaders(upload.sse) });
  const ck = done.checksum;
  if (ck) h.set(`x-amz-checksum-${ck.alg.toLowerCase()}`, ck.value);
  return new Response(null, { status: 200, headers: h });
}

function parseCompleteBody(text: string): RequestedPart[] {
  const body = parseXmlBody(text, "CompleteMultipartUpload");
  const parts = xmlList(body.Part).map((p) => {
    if (typeof p !== "object" || p === null || Array.isArray(p)) {
      throw new S3Error("MalformedXML", "Each <Part> needs a <PartNumber> and an <ETag>.");
    }
    const n = xmlToken(p.PartNumber);
    const etag = xmlToken(p.ETag);
    if (!n || !/^\d+$/.test(n) || etag === undefined) {
      throw new S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema: each <Part> needs a <PartNumber> and an <ETag>.",
      );
    }
    const ck = Object.keys(p).find((k) => k.startsWith("Checksum"));
    return {
      part: Number(n),
      etag: etag.replace(/^"(.*)"$/, "$1"),
      checksum: ck ? xmlToken(p[ck]) : undefined,
    };
  });
  if (parts.length === 0) {
    throw new S3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema: list at least one part.",
    );
  }
  return parts;
}

/** A checksum the client states for the whole upload must be the one the parts make. */
function checkExpectedChecksum(h: HeaderReader, computed: ChecksumValue | undefined): void {
  for (const alg of CHECKSUM_ALGORITHMS) {
    const stated = h.get(checksumHeader(alg));
    if (stated === null) continue;
    const value = computed?.alg === alg ? computed.value : undefined;
    if (value === undefined || (stated !== value && stated !== value.replace(/-\d+$/, ""))) {
      throw new S3Error(
        "BadDigest",
        `The ${alg} you specified for the upload did not match the checksum of its parts.`,
      );
    }
  }
}

export async function completeMultipartUpload(ctx: ObjectContext): Promise<Response> {
  const upload = await uploadOf(ctx, true);
  const listed = parseCompleteBody(
    await readDocument(ctx, { limit: 4 * 1024 * 1024, objectChecksum: true }),
  );
  // A part number listed twice in a row counts once, as its last mention (as RGW and AWS do).
  const requested = listed.filter((r, i) => listed[i + 1]?.part !== r.part);
  const done = await completeUpload(ctx.deps.model, ctx.bucket, upload, requested, {
    checksum: (computed) => checkExpectedChecksum(ctx.headers, computed),
    precondition: hasWriteConditions(ctx.headers)
      ? (etag) => checkWriteConditions(ctx.headers, etag)
      : undefined,
  });
  return completeResult(ctx, done.etag, done.checksum, done.versionId);
}

function completeResult(
  ctx: ObjectContext,
  etag: string,
  checksum?: ChecksumValue,
  versionId?: string,
): Response {
  return xmlResponse(
    "CompleteMultipartUploadResult",
    {
      Location: `${ctx.url.protocol}//${ctx.url.host}/${ctx.bucketName}/${
        encodeURIComponent(ctx.key)
      }`,
      Bucket: ctx.bucketName,
      Key: ctx.key,
      ETag: quotedEtag(etag),
      ...(checksum
        ? { [`Checksum${checksum.alg}`]: checksum.value, ChecksumType: "COMPOSITE" }
        : {}),
    },
    200,
    versionId === undefined ? {} : { "x-amz-version-id": versionId },
  );
}

export async function abortMultipartUpload(ctx: ObjectContext): Promise<Response> {
  await abortUpload(ctx.deps.model, await uploadOf(ctx));
  return new Response(null, { status: 204 });
}
