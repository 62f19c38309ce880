/** PutObject: streams the body into a new version that becomes visible only once complete. */
import type { Model } from "../model/model.ts";
import type { ObjectEntry, ObjectMeta, VersionData } from "../model/object.ts";
import { writeBlocks } from "../model/write.ts";
import { toHex } from "../util/checksum.ts";
import { newUuid } from "../util/ids.ts";
import { bodyFailure, planBody } from "./body.ts";
import type { ObjectContext } from "./context.ts";
import { S3Error } from "./error.ts";
import { quotedEtag, storedHeaders } from "./headers.ts";
import { checksumHeader, parseChecksumAlgorithm } from "../util/checksum.ts";

/** S3's limit for a single PUT. */
const MAX_PUT = 5 * 1024 ** 3;

/** A timestamp after every version the object already has, so the new one wins. */
export async function nextVersionTimestamp(
  model: Model,
  bucketId: string,
  key: string,
): Promise<number> {
  const e = await model.objects.get(bucketId, key);
  const last = e?.versions[e.versions.length - 1]?.timestamp ?? 0;
  return Math.max(Date.now(), last + 1);
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

export async function abortVersion(
  model: Model,
  bucketId: string,
  key: string,
  uuid: string,
  timestamp: number,
) {
  await model.objects.insert({
    bucketId,
    key,
    versions: [{ uuid, timestamp, state: { s: "aborted" } }],
  });
}

export async function putObject(ctx: ObjectContext): Promise<Response> {
  const { model } = ctx.deps;
  const cl = ctx.req.headers.get("content-length");
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
  if (cl === null && !ctx.req.headers.get("transfer-encoding")?.includes("chunked")) {
    throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  const headers = storedHeaders(ctx.req.headers);
  const plan = planBody(ctx);
  const bucketId = ctx.bucket.id;
  const key = ctx.key;
  const uuid = newUuid();
  const timestamp = await nextVersionTimestamp(model, bucketId, key);
  let registered = false;
  try {
    const r = await writeBlocks(model, uuid, 0, plan.stream, {
      sha256: plan.sha256,
      checksum: plan.checksum,
      onFirstBlock: async () => {
        registered = true;
        await model.objects.insert({
          bucketId,
          key,
          versions: [{ uuid, timestamp, state: { s: "uploading" } }],
        });
      },
    });
    ctx.bytesIn += r.size;
    const checksum = await plan.verify(r);
    const meta: ObjectMeta = { size: r.size, etag: toHex(r.md5), headers, checksum };
    await writeVersion(
      model,
      bucketId,
      key,
      uuid,
      timestamp,
      r.inline ? { t: "inline", meta, bytes: r.inline } : { t: "blocks", meta },
    );
    const h = new Headers({ etag: quotedEtag(meta.etag) });
    if (checksum) {
      const alg = parseChecksumAlgorithm(checksum.alg);
      if (alg) h.set(checksumHeader(alg), checksum.value);
    }
    return new Response(null, { status: 200, headers: h });
  } catch (e) {
    if (registered) await abortVersion(model, bucketId, key, uuid, timestamp).catch(() => {});
    throw bodyFailure(e);
  }
}
