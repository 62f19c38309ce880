/** Multipart uploads: create, upload part, complete, abort. */
import type { HeaderReader } from "../util/header_map.ts";
import { sealedEtag } from "../model/objects/sse.ts";
import { createHash } from "node:crypto";
import type { Model } from "../model/model.ts";
import { type MpuEntry, type MpuPart, mpuSortKey, partRange } from "../model/tables/mpu.ts";
import type { ChecksumValue } from "../model/tables/object.ts";
import { writeBlocks } from "../model/objects/write.ts";
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  fromBase64,
  newChecksum,
  parseChecksumAlgorithm,
  toBase64,
  toHex,
} from "../util/checksum.ts";
import { fromHex, newUuid } from "../util/ids.ts";
import { bodyFailure, planBody, readDocument } from "./body.ts";
import { type ObjectContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { S3Error } from "../api/error.ts";
import { checkQuota } from "../model/objects/quota.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { cipherToRead, customerKey, sseHeaders } from "../api/ssec.ts";
import { newSseMeta } from "../model/objects/sse.ts";
import { prepareWrite } from "./put.ts";
import { writeVersion } from "../model/objects/object_write.ts";
import { parseXmlBody, xmlList, xmlToken } from "../api/xml.ts";

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_SIZE = 5 * 1024 ** 3;
const MAX_PART_NUMBER = 10000;

/** Starts an upload of `key`, with the object headers, checksum and SSE-C key the request gives. */
export async function startUpload(
  model: Model,
  bucketId: string,
  key: string,
  h: HeaderReader,
): Promise<MpuEntry> {
  const algHeader = h.get("x-amz-checksum-algorithm");
  let alg: ChecksumAlgorithm | undefined;
  if (algHeader) {
    alg = parseChecksumAlgorithm(algHeader);
    if (!alg) {
      throw new S3Error("InvalidRequest", `Checksum algorithm ${algHeader} is not supported.`);
    }
  }
  const upload: MpuEntry = {
    bucketId,
    key,
    uploadId: newUuid(),
    initiated: Date.now(),
    headers: storedHeaders(h),
    checksumAlgorithm: alg ?? null,
    deleted: false,
  };
  const given = customerKey(h);
  if (given) upload.sse = newSseMeta(given);
  await model.uploads.insert(upload);
  return upload;
}

export async function createMultipartUpload(ctx: ObjectContext): Promise<Response> {
  const upload = await startUpload(ctx.deps.model, ctx.bucket.id, ctx.key, ctx.headers);
  const alg = upload.checksumAlgorithm;
  return xmlResponse(
    "InitiateMultipartUploadResult",
    { Bucket: ctx.bucketName, Key: ctx.key, UploadId: upload.uploadId },
    200,
    { ...(alg ? { "x-amz-checksum-algorithm": alg } : {}), ...sseHeaders(upload.sse) },
  );
}

/** The upload `id` of this bucket and key (a completed one too if `completedToo`). */
export async function findUpload(
  model: Model,
  bucketId: string,
  key: string,
  id: string,
  completedToo = false,
): Promise<MpuEntry> {
  const u = /^[0-9a-f]{64}$/.test(id)
    ? await model.uploads.get(bucketId, mpuSortKey(key, id))
    : undefined;
  if (!u || (u.deleted && !(completedToo && u.completedEtag))) {
    throw new S3Error(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      { UploadId: id },
    );
  }
  return u;
}

/** The upload named by ?uploadId=, which must belong to this bucket and key. */
export function uploadOf(ctx: ObjectContext, completedToo = false): Promise<MpuEntry> {
  const id = ctx.query.get("uploadId") ?? "";
  return findUpload(ctx.deps.model, ctx.bucket.id, ctx.key, id, completedToo);
}

/** The newest upload of each part number, in part order. */
export async function latestParts(model: Model, uploadId: string): Promise<MpuPart[]> {
  const byPart = new Map<number, MpuPart>();
  for (const p of await model.allParts(uploadId)) {
    if (p.deleted) continue;
    const cur = byPart.get(p.part);
    if (
      !cur || p.timestamp > cur.timestamp ||
      (p.timestamp === cur.timestamp && p.version > cur.version)
    ) {
      byPart.set(p.part, p);
    }
  }
  return [...byPart.values()].sort((a, b) => a.part - b.part);
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

/** Records a stored part; if the upload ended meanwhile, the part's blocks are released. */
export async function recordPart(
  model: Model,
  upload: MpuEntry,
  part: Omit<MpuPart, "uploadId" | "timestamp" | "deleted">,
): Promise<void> {
  // Of two uploads of a part number, the later one wins at completion, whatever the clocks of
  // the nodes that received them: it is stamped after every upload of it the quorum has seen.
  const earlier = await model.parts.range(upload.uploadId, partRange(part.part));
  await model.parts.insert({
    ...part,
    uploadId: upload.uploadId,
    timestamp: Math.max(Date.now(), ...earlier.map((p) => p.timestamp + 1)),
    deleted: false,
  });
  const now = await model.uploads.get(upload.bucketId, mpuSortKey(upload.key, upload.uploadId));
  if (!now || now.deleted) {
    await model.releaseVersion(part.version);
    throw new S3Error(
      "NoSuchUpload",
      "The upload was completed or aborted while this part was being sent.",
      { UploadId: upload.uploadId },
    );
  }
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
  const version = newUuid();
  try {
    const r = await writeBlocks(model, version, part, plan.stream, {
      seal: cipher?.seal,
      sha256: plan.sha256,
      sizeHint: plan.sizeHint,
      checksum: plan.checksum ?? (upload.checksumAlgorithm as ChecksumAlgorithm | null) ??
        undefined,
      noInline: true,
      owner: { t: "upload", uploadId: upload.uploadId },
    });
    ctx.bytesIn += r.size;
    const checksum = await plan.verify(r) ??
      (r.checksum ? { alg: upload.checksumAlgorithm!, value: r.checksum } : undefined);
    const etag = upload.sse ? sealedEtag(r.md5, upload.sse) : toHex(r.md5);
    await recordPart(model, upload, { part, version, etag, size: r.size, checksum });
    const h = new Headers({ etag: quotedEtag(etag), ...sseHeaders(upload.sse) });
    if (checksum) h.set(`x-amz-checksum-${checksum.alg.toLowerCase()}`, checksum.value);
    return new Response(null, { status: 200, headers: h });
  } catch (e) {
    await model.releaseVersion(version).catch(() => {});
    throw bodyFailure(e);
  }
}

export interface RequestedPart {
  part: number;
  etag: string;
  checksum?: string;
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

/** The checksum of checksums AWS reports for multipart objects ("…-N", COMPOSITE). */
function compositeChecksum(alg: string, parts: MpuPart[]): ChecksumValue | undefined {
  const a = parseChecksumAlgorithm(alg);
  if (!a || parts.some((p) => !p.checksum)) return undefined;
  const h = newChecksum(a);
  for (const p of parts) h.update(fromBase64(p.checksum!.value)!);
  return { alg: a, value: `${toBase64(h.digest())}-${parts.length}`, type: "COMPOSITE" };
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
  const done = await completeUpload(ctx, upload, requested);
  return completeResult(ctx, done.etag, done.checksum);
}

/**
 * Makes the object of an upload from the parts `requested` (in ascending part order). A
 * completed upload answers what its completion did, as S3 does.
 */
export async function completeUpload(
  ctx: ObjectContext,
  upload: MpuEntry,
  requested: RequestedPart[],
): Promise<{ etag: string; checksum?: ChecksumValue }> {
  const { model } = ctx.deps;
  for (let i = 1; i < requested.length; i++) {
    if (requested[i].part <= requested[i - 1].part) {
      throw new S3Error(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
      );
    }
  }
  if (upload.completedEtag) {
    return { etag: upload.completedEtag, checksum: upload.completedChecksum };
  }
  const stored = new Map((await latestParts(model, upload.uploadId)).map((p) => [p.part, p]));
  const chosen: MpuPart[] = [];
  for (const [i, r] of requested.entries()) {
    const p = stored.get(r.part);
    if (!p || p.etag !== r.etag) {
      throw new S3Error(
        "InvalidPart",
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { PartNumber: String(r.part), ETag: r.etag },
      );
    }
    if (i < requested.length - 1 && p.size < MIN_PART_SIZE) {
      throw new S3Error(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size.",
        {
          PartNumber: String(r.part),
          ProposedSize: String(p.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
        },
      );
    }
    chosen.push(p);
  }
  const checksum = upload.checksumAlgorithm
    ? compositeChecksum(upload.checksumAlgorithm, chosen)
    : undefined;
  checkExpectedChecksum(ctx.headers, checksum);
  await checkQuota(model, ctx.bucket, upload.key, chosen.reduce((s, p) => s + p.size, 0));
  const version = newUuid();
  const timestamp = await prepareWrite(ctx, upload.bucketId, upload.key);
  let size = 0;
  const owner = { t: "object", bucketId: upload.bucketId, key: upload.key } as const;
  for (const [i, p] of chosen.entries()) {
    size += await model.shareBlocks(
      p.version,
      version,
      p.part,
      p.checksum?.value,
      i === 0 ? owner : undefined,
    );
  }
  const md5 = createHash("md5");
  for (const p of chosen) md5.update(fromHex(p.etag));
  const etag = `${md5.digest("hex")}-${chosen.length}`;
  await writeVersion(model, upload.bucketId, upload.key, version, timestamp, {
    t: "blocks",
    meta: {
      size,
      etag,
      headers: upload.headers,
      parts: chosen.length,
      checksum,
      ...(upload.sse ? { sse: upload.sse } : {}),
    },
  });
  await model.uploads.insert({
    ...upload,
    deleted: true,
    completedEtag: etag,
    completedChecksum: checksum,
  });
  return { etag, checksum };
}

function completeResult(ctx: ObjectContext, etag: string, checksum?: ChecksumValue): Response {
  return xmlResponse("CompleteMultipartUploadResult", {
    Location: `${ctx.url.protocol}//${ctx.url.host}/${ctx.bucketName}/${
      encodeURIComponent(ctx.key)
    }`,
    Bucket: ctx.bucketName,
    Key: ctx.key,
    ETag: quotedEtag(etag),
    ...(checksum ? { [`Checksum${checksum.alg}`]: checksum.value, ChecksumType: "COMPOSITE" } : {}),
  });
}

/** Ends an upload without an object; its parts' blocks are released. */
export async function abortUpload(model: Model, upload: MpuEntry): Promise<void> {
  await model.uploads.insert({ ...upload, deleted: true });
}

export async function abortMultipartUpload(ctx: ObjectContext): Promise<Response> {
  await abortUpload(ctx.deps.model, await uploadOf(ctx));
  return new Response(null, { status: 204 });
}
