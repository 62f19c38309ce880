/** PutObject: streams the body into a new version that becomes visible only once complete. */
import { requestedSettings, requireIntegrityForLock } from "./object_settings.ts";
import { nextVersionTimestamp, writeObject } from "../model/objects/object_write.ts";
import { type ObjectMeta, visibleVersion } from "../model/tables/object.ts";
import { checkWriteConditions, hasWriteConditions } from "../api/conditions.ts";
import { bodyFailure, planBody } from "./body.ts";
import type { ObjectContext } from "./context.ts";
import { S3Error } from "../api/error.ts";
import { quotedEtag, storedHeaders } from "../api/headers.ts";
import { customerKey, encryptionFor, sseHeaders } from "../api/ssec.ts";
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
export function writtenHeaders(meta: ObjectMeta, versionId?: string): Headers {
  const h = new Headers({ etag: quotedEtag(meta.etag), ...sseHeaders(meta.sse) });
  if (versionId !== undefined) h.set("x-amz-version-id", versionId);
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
  const settings = requestedSettings("PutObject", ctx.headers, ctx.bucket);
  requireIntegrityForLock(ctx.headers);
  const { meta, versionId } = await writeObject(model, {
    settings,
    bucket: ctx.bucket,
    key: ctx.key,
    body: plan.stream,
    headers,
    sizeHint: plan.sizeHint,
    sha256: plan.sha256,
    checksum: plan.checksum,
    encryption: enc && { seal: enc.cipher.seal, sse: enc.sse },
    verify: (r) => {
      ctx.bytesIn += r.size;
      return plan.verify(r);
    },
    precondition: hasWriteConditions(ctx.headers)
      ? (etag) => checkWriteConditions(ctx.headers, etag)
      : undefined,
  }).catch((e) => {
    throw bodyFailure(e);
  });
  return new Response(null, { status: 200, headers: writtenHeaders(meta, versionId) });
}
