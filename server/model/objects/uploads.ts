/**
 * Multipart uploads in the model: an upload started, its parts written and recorded (the later
 * upload of a part number wins whatever the clocks), completed into an object that shares the
 * parts' blocks, or aborted. The S3 front end and the admin API both call these.
 */
import type { VersionSettings } from "../tables/settings.ts";
import { createHash } from "node:crypto";
import {
  type ChecksumAlgorithm,
  fromBase64,
  newChecksum,
  parseChecksumAlgorithm,
  toBase64,
  toHex,
} from "../../util/checksum.ts";
import { fromHex, newUuid } from "../../util/ids.ts";
import { ModelError } from "../errors.ts";
import type { Model } from "../model.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import { type MpuEntry, type MpuPart, mpuSortKey, partRange } from "../tables/mpu.ts";
import type { ChecksumValue } from "../tables/object.ts";
import { abortVersion, claimKey, nextVersionTimestamp, writeVersion } from "./object_write.ts";
import { checkQuota } from "./quota.ts";
import { sealedEtag, type SseMeta } from "./sse.ts";
import { writeBlocks, type WriteResult } from "./write.ts";

/** S3's smallest part, the last one excepted. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** Starts an upload of `key`: the headers its object will keep, its checksum, its SSE-C key. */
export async function startUpload(
  model: Model,
  bucketId: string,
  key: string,
  o: {
    headers: Array<[string, string]>;
    checksumAlgorithm?: ChecksumAlgorithm;
    sse?: SseMeta;
    settings?: VersionSettings;
  },
): Promise<MpuEntry> {
  const upload: MpuEntry = {
    bucketId,
    key,
    uploadId: newUuid(),
    initiated: Date.now(),
    headers: o.headers,
    checksumAlgorithm: o.checksumAlgorithm ?? null,
    deleted: false,
  };
  if (o.sse) upload.sse = o.sse;
  if (o.settings) upload.settings = o.settings;
  await model.uploads.insert(upload);
  return upload;
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
    throw new ModelError(
      "noSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      { UploadId: id },
    );
  }
  return u;
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

/** A part's body as the front end gives it, and what it checks once it is read. */
export interface PartWrite {
  body: ReadableStream<Uint8Array>;
  sizeHint?: number;
  sha256?: boolean;
  checksum?: ChecksumAlgorithm;
  seal?: (plain: Uint8Array) => Uint8Array;
  /** Checks what was read against what the client announced; the checksum the part keeps. */
  verify?(r: WriteResult): ChecksumValue | undefined | Promise<ChecksumValue | undefined>;
}

/** Writes part `part` of an upload into blocks and records it; its blocks are released on failure. */
export async function writePart(
  model: Model,
  upload: MpuEntry,
  part: number,
  w: PartWrite,
): Promise<{ etag: string; size: number; checksum?: ChecksumValue }> {
  const version = newUuid();
  try {
    const r = await writeBlocks(model, version, part, w.body, {
      seal: w.seal,
      sha256: w.sha256,
      sizeHint: w.sizeHint,
      checksum: w.checksum ?? (upload.checksumAlgorithm as ChecksumAlgorithm | null) ?? undefined,
      noInline: true,
      owner: { t: "upload", uploadId: upload.uploadId, bucketId: upload.bucketId, key: upload.key },
    });
    const checksum = await w.verify?.(r) ??
      (r.checksum ? { alg: upload.checksumAlgorithm!, value: r.checksum } : undefined);
    const etag = upload.sse ? sealedEtag(r.md5, upload.sse) : toHex(r.md5);
    await recordPart(model, upload, { part, version, etag, size: r.size, checksum });
    return { etag, size: r.size, checksum };
  } catch (e) {
    await model.releaseVersion(version).catch(() => {});
    throw e;
  }
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
    throw new ModelError(
      "noSuchUpload",
      "The upload was completed or aborted while this part was being sent.",
      { UploadId: upload.uploadId },
    );
  }
}

export interface RequestedPart {
  part: number;
  etag: string;
  checksum?: string;
}

/** What the front end checks of a completion once the object's checksum is known. */
export interface CompletionChecks {
  /** The whole object's checksum the client states, if it does. */
  checksum?(computed: ChecksumValue | undefined): void;
  /** If-Match / If-None-Match against the version the completion replaces. */
  precondition?(currentEtag: string | undefined): void;
}

/** The checksum of checksums AWS reports for multipart objects ("…-N", COMPOSITE). */
function compositeChecksum(alg: string, parts: MpuPart[]): ChecksumValue | undefined {
  const a = parseChecksumAlgorithm(alg);
  if (!a || parts.some((p) => !p.checksum)) return undefined;
  const h = newChecksum(a);
  for (const p of parts) h.update(fromBase64(p.checksum!.value)!);
  return { alg: a, value: `${toBase64(h.digest())}-${parts.length}`, type: "COMPOSITE" };
}

/**
 * Makes the object of an upload from the parts `requested` (in ascending part order). A
 * completed upload answers what its completion did, as S3 does.
 */
export async function completeUpload(
  model: Model,
  bucket: BucketEntry,
  upload: MpuEntry,
  requested: RequestedPart[],
  checks: CompletionChecks = {},
): Promise<{ etag: string; checksum?: ChecksumValue; versionId?: string }> {
  for (let i = 1; i < requested.length; i++) {
    if (requested[i].part <= requested[i - 1].part) {
      throw new ModelError(
        "invalidPartOrder",
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
      throw new ModelError(
        "invalidPart",
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { PartNumber: String(r.part), ETag: r.etag },
      );
    }
    if (i < requested.length - 1 && p.size < MIN_PART_SIZE) {
      throw new ModelError(
        "partTooSmall",
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
  checks.checksum?.(checksum);
  await checkQuota(model, bucket, upload.key, chosen.reduce((s, p) => s + p.size, 0));
  const version = newUuid();
  let timestamp: number;
  let claimAt: number | undefined;
  if (checks.precondition) {
    ({ commitAt: timestamp, claimAt } = await claimKey(
      model,
      upload.bucketId,
      upload.key,
      version,
      checks.precondition,
    ));
  } else timestamp = nextVersionTimestamp(await model.objects.get(upload.bucketId, upload.key));
  let size = 0;
  const owner = { t: "object", bucketId: upload.bucketId, key: upload.key } as const;
  try {
    for (const [i, p] of chosen.entries()) {
      size += await model.shareBlocks(
        p.version,
        version,
        p.part,
        p.checksum?.value,
        i === 0 ? owner : undefined,
      );
    }
  } catch (e) {
    if (claimAt !== undefined) {
      await abortVersion(model, upload.bucketId, upload.key, version, claimAt).catch(() => {});
    }
    throw e;
  }
  const md5 = createHash("md5");
  for (const p of chosen) md5.update(fromHex(p.etag));
  const etag = `${md5.digest("hex")}-${chosen.length}`;
  const { versionId } = await writeVersion(model, bucket, upload.key, version, timestamp, {
    t: "blocks",
    meta: {
      size,
      etag,
      headers: upload.headers,
      parts: chosen.length,
      checksum,
      ...(upload.sse ? { sse: upload.sse } : {}),
    },
  }, upload.settings);
  await model.uploads.insert({
    ...upload,
    deleted: true,
    completedEtag: etag,
    completedChecksum: checksum,
  });
  return { etag, checksum, versionId };
}

/** Ends an upload without an object; its parts' blocks are released. */
export async function abortUpload(model: Model, upload: MpuEntry): Promise<void> {
  await model.uploads.insert({ ...upload, deleted: true });
}

/** Aborts a bucket's unfinished uploads started before `before` (ms); answers how many. */
export async function abortUploadsBefore(
  model: Model,
  bucketId: string,
  before: number,
): Promise<number> {
  const PAGE = 500;
  let aborted = 0;
  let start: string | undefined;
  for (;;) {
    const page = await model.uploads.range(bucketId, { start, limit: PAGE });
    const due = page.filter((u) => !u.deleted && u.initiated < before);
    if (due.length) await model.uploads.insertMany(due.map((u) => ({ ...u, deleted: true })));
    aborted += due.length;
    if (page.length < PAGE) return aborted;
    const last = page[page.length - 1];
    start = mpuSortKey(last.key, last.uploadId) + "\u0000";
  }
}
