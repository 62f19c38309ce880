/** PutObject: streams the body into a new version that becomes visible only once complete. */
import {
  commitVersion,
  nextVersionTimestamp,
  undoWrite,
  writeVersion,
} from "../model/object_write.ts";
import { type ObjectMeta, type VersionData, visibleVersion } from "../model/object.ts";
import { checkWriteConditions, hasWriteConditions } from "../api/conditions.ts";
import { writeBlocks } from "../model/write.ts";
import { toHex } from "../util/checksum.ts";
import { newUuid } from "../util/ids.ts";
import { bodyFailure, planBody } from "./body.ts";
import type { ObjectContext } from "./context.ts";
import { S3Error } from "../api/error.ts";
import { checkQuota } from "../model/quota.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { customerKey, encryptionFor, sealedEtag, sseHeaders } from "../api/ssec.ts";
import { checksumHeader, parseChecksumAlgorithm } from "../util/checksum.ts";

/** S3's limit for a single PUT. */
const MAX_PUT = 5 * 1024 ** 3;

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
