/**
 * PostObject: an HTML form uploads a file straight to a bucket, allowed by a policy document
 * that a key holder signed beforehand (AWS Signature V4). Every form field must be allowed by
 * a condition of the policy; the file streams into blocks, its size held to the policy's
 * content-length-range as it arrives.
 */
import type { BucketEntry } from "../model/bucket.ts";
import { getKey, permissionOf, resolveBucket } from "../model/bucket_ops.ts";
import type { ObjectMeta, VersionData } from "../model/object.ts";
import { writeBlocks } from "../model/write.ts";
import { toHex } from "../util/checksum.ts";
import { newUuid } from "../util/ids.ts";
import { verifyPolicy } from "./auth/signature.ts";
import { bodyFailure } from "./body.ts";
import type { S3Deps } from "./context.ts";
import { xmlResponse } from "./context.ts";
import { S3Error } from "./error.ts";
import { FormReader } from "./form.ts";
import { quotedEtag, storedHeaders } from "./headers.ts";
import { validateKey } from "./keys.ts";
import { abortVersion, commitVersion } from "./put.ts";
import { checkPolicy, type FormFields, parsePolicy } from "./post_policy.ts";

/** AWS's limit on the form fields before the file. */
const MAX_FIELDS = 20 * 1024;
const MAX_OBJECT = 5 * 1024 ** 3;
/** Fields stored with the object as its headers. */
const STORED =
  /^(content-type|cache-control|content-disposition|content-encoding|expires|x-amz-meta-.*|x-amz-website-redirect-location)$/;

export interface PostResult {
  res: Response;
  bucket?: BucketEntry;
  bytesIn: number;
}

function need(fields: FormFields, name: string): string {
  const v = fields.get(name);
  if (v === undefined) {
    throw new S3Error("InvalidArgument", `Bucket POST must contain a field named '${name}'.`);
  }
  return v;
}

/** Counts the file's bytes as they pass, refusing more than `max`. */
function limited(body: ReadableStream<Uint8Array>, max: number) {
  const seen = { bytes: 0 };
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        seen.bytes += chunk.length;
        if (seen.bytes > max) {
          throw new S3Error(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size.",
            { MaxSizeAllowed: String(max) },
          );
        }
        c.enqueue(chunk);
      },
    }),
  );
  return { stream, seen };
}

function answer(fields: FormFields, bucketName: string, key: string, etag: string): Response {
  const quoted = quotedEtag(etag);
  const redirect = fields.get("success_action_redirect") ?? fields.get("redirect");
  if (redirect) {
    try {
      const to = new URL(redirect);
      to.searchParams.set("bucket", bucketName);
      to.searchParams.set("key", key);
      to.searchParams.set("etag", quoted);
      return new Response(null, { status: 303, headers: { location: to.href, etag: quoted } });
    } catch {
      // Not an absolute URL: AWS then answers as if none was given.
    }
  }
  const location = `/${encodeURIComponent(bucketName)}/${encodeURI(key)}`;
  const status = fields.get("success_action_status");
  if (status === "201") {
    return xmlResponse(
      "PostResponse",
      { Location: location, Bucket: bucketName, Key: key, ETag: quoted },
      201,
      { etag: quoted, location },
    );
  }
  return new Response(null, {
    status: status === "200" ? 200 : 204,
    headers: { etag: quoted, location },
  });
}

export async function postObject(
  deps: S3Deps,
  req: Request,
  bucketName: string,
  boundary: string,
): Promise<PostResult> {
  const { sys, model } = deps;
  if (!req.body) throw new S3Error("MalformedPOSTRequest", "The POST request has no body.");
  const form = new FormReader(req.body, boundary);
  try {
    const fields: FormFields = new Map();
    let size = 0;
    let part = await form.next();
    for (; part && part.name.toLowerCase() !== "file"; part = await form.next()) {
      const value = await form.text(MAX_FIELDS - size);
      size += part.name.length + value.length;
      fields.set(part.name.toLowerCase(), value);
    }
    if (!part) {
      throw new S3Error("InvalidArgument", "POST requires exactly one file upload per request.");
    }
    const policyText = need(fields, "policy");
    if (need(fields, "x-amz-algorithm") !== "AWS4-HMAC-SHA256") {
      throw new S3Error(
        "InvalidArgument",
        "Only the AWS4-HMAC-SHA256 algorithm (Signature Version 4) is accepted here.",
      );
    }
    need(fields, "x-amz-date");
    const accessKeyId = await verifyPolicy({
      credential: need(fields, "x-amz-credential"),
      policy: policyText,
      signature: need(fields, "x-amz-signature"),
    }, { region: sys.config.s3Api.s3Region, lookup: (id) => getKey(model, id)?.secret });
    const apiKey = getKey(model, accessKeyId)!;
    const bucket = resolveBucket(model, bucketName, apiKey);
    if (!bucket) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
        BucketName: bucketName,
      });
    }
    if (!permissionOf(apiKey, bucket.id).write) {
      throw new S3Error(
        "AccessDenied",
        `Access Denied: this key has no write permission on bucket ${bucketName}.`,
      );
    }
    const filename = (part.filename ?? "").replace(/^.*[\\/]/, "");
    const key = need(fields, "key").replaceAll("${filename}", filename);
    validateKey(key);
    const range = checkPolicy(parsePolicy(policyText), fields, { bucket: bucketName, key });

    const headers = new Headers();
    for (const [name, value] of fields) if (STORED.test(name)) headers.set(name, value);
    const { stream, seen } = limited(
      form.content(),
      Math.min(range?.max ?? MAX_OBJECT, MAX_OBJECT),
    );
    const uuid = newUuid();
    let committing: number | undefined;
    try {
      const r = await writeBlocks(model, uuid, 0, stream, {
        owner: { t: "object", bucketId: bucket.id, key },
      });
      if (range && r.size < range.min) {
        throw new S3Error(
          "EntityTooSmall",
          "Your proposed upload is smaller than the minimum allowed size.",
          {
            MinSizeAllowed: String(range.min),
          },
        );
      }
      const meta: ObjectMeta = {
        size: r.size,
        etag: toHex(r.md5),
        headers: storedHeaders(headers),
      };
      const data: VersionData = r.inline
        ? { t: "inline", meta, bytes: r.inline }
        : { t: "blocks", meta };
      committing = Date.now();
      await commitVersion(model, bucket.id, key, uuid, data);
      return { res: answer(fields, bucketName, key, meta.etag), bucket, bytesIn: seen.bytes };
    } catch (e) {
      const undo = committing === undefined
        ? model.releaseVersion(uuid)
        : abortVersion(model, bucket.id, key, uuid, committing);
      await undo.catch(() => {});
      throw bodyFailure(e);
    }
  } finally {
    // Fields after the file are ignored, as S3 ignores them.
    await form.cancel();
  }
}
