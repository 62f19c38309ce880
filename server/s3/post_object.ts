/**
 * PostObject: an HTML form uploads a file straight to a bucket, allowed by a policy document
 * that a key holder signed beforehand (AWS Signature V4). Every form field must be allowed by
 * a condition of the policy; the file streams into blocks, its size held to the policy's
 * content-length-range as it arrives.
 */
import { requestedSettings } from "./object_settings.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import { getKey, resolveBucket } from "../model/buckets/bucket_ops.ts";
import { authorize, refuseExpired } from "./access.ts";
import { requestedAcl } from "./acl.ts";
import { HeaderMap } from "../util/header_map.ts";
import type { ObjectMeta } from "../model/tables/object.ts";
import {
  type ChecksumAlgorithm,
  fromBase64,
  parseChecksumAlgorithm,
  toBase64,
} from "../util/checksum.ts";
import { verifyPolicy } from "../api/auth/signature.ts";
import { verifyPolicyV2 } from "../api/auth/post_v2.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import { bodyFailure } from "./body.ts";
import type { ApiDeps } from "../api/response.ts";
import { xmlDocument } from "../api/xml.ts";
import { S3Error } from "../api/error.ts";
import { FormReader } from "./form.ts";
import { storedHeaders } from "../api/headers.ts";
import { refuseUnsupportedWrite } from "./unsupported.ts";
import { RequestTarget } from "../util/target.ts";
import { validateKey } from "../api/keys.ts";
import { writtenHeaders } from "./put.ts";
import { writeObject } from "../model/objects/object_write.ts";
import { checkPolicy, type FormFields, parsePolicy } from "./post_policy.ts";
import { customerKey, encryptionFor } from "../api/ssec.ts";

/** AWS's limit on the form fields before the file. */
const MAX_FIELDS = 20 * 1024;
const MAX_OBJECT = 5 * 1024 ** 3;
/** Fields that a PutObject would take as headers: what the object keeps, how it is stored. */
const AS_HEADER = /^(content-.*|cache-control|expires|tagging|x-amz-.*)$/;

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

/** The fields before the file, by lower-case name, within AWS's size limit. */
async function readFields(form: FormReader): Promise<{ fields: FormFields; filename?: string }> {
  const fields: FormFields = new Map();
  let size = 0;
  for (let part = await form.next(); part; part = await form.next()) {
    const name = part.name.toLowerCase();
    if (name === "file") return { fields, filename: part.filename };
    const value = await form.text(MAX_FIELDS - size);
    size += name.length + value.length;
    // Which of two values a condition checked would be anyone's guess.
    if (fields.has(name)) {
      throw new S3Error("InvalidArgument", `The field '${part.name}' is given more than once.`);
    }
    fields.set(name, value);
  }
  throw new S3Error("InvalidArgument", "POST requires exactly one file upload per request.");
}

function asHeaders(fields: FormFields): Headers {
  const h = new Headers();
  for (const [field, value] of fields) {
    // A form's canned ACL is its "acl" field.
    const name = field === "acl" ? "x-amz-acl" : field;
    if (!AS_HEADER.test(name)) continue;
    try {
      h.set(name, value);
    } catch {
      throw new S3Error("InvalidArgument", `The field '${name}' cannot be an HTTP header.`);
    }
  }
  return h;
}

/** The digests the form says the file has (Content-MD5, one x-amz-checksum-<algorithm>). */
function expectedDigests(h: Headers): { md5?: string; alg?: ChecksumAlgorithm; value?: string } {
  const md5 = h.get("content-md5") ?? undefined;
  if (md5 !== undefined && fromBase64(md5)?.length !== 16) {
    throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
  }
  const named = [...h.keys()].filter((n) =>
    n.startsWith("x-amz-checksum-") && n !== "x-amz-checksum-algorithm"
  );
  if (named.length > 1) {
    throw new S3Error("InvalidRequest", "Expecting a single x-amz-checksum- field.");
  }
  // An algorithm alone asks for the checksum to be computed and kept.
  const asked = named[0] ?? h.get("x-amz-checksum-algorithm");
  if (asked === null) return { md5 };
  const alg = parseChecksumAlgorithm(asked);
  if (!alg) throw new S3Error("InvalidRequest", `Unsupported checksum algorithm ${asked}.`);
  return { md5, alg, value: named.length ? h.get(named[0])! : undefined };
}

/** Counts the file's bytes as they pass, refusing more than `max`. */
function limited(body: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        seen += chunk.length;
        if (seen > max) {
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
}

function answer(
  req: Request,
  fields: FormFields,
  bucketName: string,
  key: string,
  meta: ObjectMeta,
  versionId: string | undefined,
): Response {
  const headers = writtenHeaders(meta, versionId);
  const etag = headers.get("etag")!;
  const redirect = URL.parse(fields.get("success_action_redirect") ?? fields.get("redirect") ?? "");
  // Anything but a web address is ignored, as S3 ignores it.
  if (redirect?.protocol === "https:" || redirect?.protocol === "http:") {
    redirect.searchParams.set("bucket", bucketName);
    redirect.searchParams.set("key", key);
    redirect.searchParams.set("etag", etag);
    headers.set("location", redirect.href);
    return new Response(null, { status: 303, headers });
  }
  // The bucket's URL (path-style or virtual-host) is where the form was posted.
  const bucketUrl = new RequestTarget(req.url);
  const location = `${bucketUrl.protocol}//${bucketUrl.host}` +
    bucketUrl.pathname.replace(/\/?$/, "/") + key.split("/").map(encodeURIComponent).join("/");
  headers.set("location", location);
  const status = fields.get("success_action_status");
  if (status === "201") {
    // AWS answers this one document without S3's namespace; form pages read `Key` by name.
    headers.set("content-type", "application/xml");
    return new Response(
      xmlDocument(
        "PostResponse",
        { Location: location, Bucket: bucketName, Key: key, ETag: etag },
        null,
      ),
      { status: 201, headers },
    );
  }
  return new Response(null, { status: status === "200" ? 200 : 204, headers });
}

/**
 * Who signed the form, and its policy: Signature V4 (x-amz-* fields), V2 (AWSAccessKeyId and
 * signature, when the operator allows it), or nobody (an anonymous upload, which only a bucket
 * policy or a public-read-write ACL lets through).
 */
async function formCaller(
  { sys, model }: ApiDeps,
  fields: FormFields,
): Promise<{ apiKey?: KeyEntry; policyText?: string }> {
  const lookup = (id: string) => getKey(model, id)?.secret;
  let accessKeyId: string | undefined;
  const v4 = ["x-amz-signature", "x-amz-credential", "x-amz-algorithm"].some((f) => fields.has(f));
  if (v4) {
    if (need(fields, "x-amz-algorithm") !== "AWS4-HMAC-SHA256") {
      throw new S3Error(
        "InvalidArgument",
        "Only the AWS4-HMAC-SHA256 algorithm (Signature Version 4) is accepted here.",
      );
    }
    need(fields, "x-amz-date");
    accessKeyId = await verifyPolicy({
      credential: need(fields, "x-amz-credential"),
      policy: need(fields, "policy"),
      signature: need(fields, "x-amz-signature"),
    }, { region: sys.config.s3Api.s3Region, lookup });
  } else if (fields.has("awsaccesskeyid") || fields.has("signature")) {
    if (!sys.config.s3Api.allowPostSignatureV2) {
      throw new S3Error(
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256 (or ask the operator to set allow_post_signature_v2 in [s3_api]).",
      );
    }
    accessKeyId = await verifyPolicyV2({
      accessKeyId: need(fields, "awsaccesskeyid"),
      policy: need(fields, "policy"),
      signature: need(fields, "signature"),
    }, lookup);
  }
  if (accessKeyId === undefined) return { policyText: fields.get("policy") };
  const apiKey = getKey(model, accessKeyId)!;
  refuseExpired(apiKey);
  return { apiKey, policyText: fields.get("policy") };
}

export async function postObject(
  deps: ApiDeps,
  req: Request,
  bucketName: string,
  boundary: string,
): Promise<PostResult> {
  const { sys, model } = deps;
  if (!req.body) throw new S3Error("MalformedPOSTRequest", "The POST request has no body.");
  const form = new FormReader(req.body, boundary);
  try {
    const { fields, filename } = await readFields(form);
    const { apiKey, policyText } = await formCaller(deps, fields);
    const bucket = resolveBucket(model, bucketName, apiKey);
    if (!bucket) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
        BucketName: bucketName,
      });
    }
    // Without a filename, S3 leaves "${filename}" as it is.
    const key = filename === undefined
      ? need(fields, "key")
      : need(fields, "key").replaceAll("${filename}", filename.replace(/^.*[\\/]/, ""));
    validateKey(key);
    await authorize(
      { cluster: sys.config.s3Api.publicAccessBlock, model },
      {
        key: apiKey,
        headers: new HeaderMap(req.headers),
        query: new URLSearchParams(),
        bucketName,
      },
      bucket,
      { name: "PostObject", need: "write" },
      key,
    );
    const range = policyText === undefined
      ? undefined
      : checkPolicy(parsePolicy(policyText), fields, { bucket: bucketName, key });

    const h = asHeaders(fields);
    refuseUnsupportedWrite(h);
    requestedAcl(h, bucket, sys.config);
    const headers = storedHeaders(h);
    const enc = encryptionFor(customerKey(h));
    const digests = expectedDigests(h);
    const settings = requestedSettings("PostObject", h, bucket);
    const { meta, size, versionId } = await writeObject(model, {
      settings,
      bucket,
      key,
      body: limited(form.content(), Math.min(range?.max ?? MAX_OBJECT, MAX_OBJECT)),
      headers,
      checksum: digests.alg,
      encryption: enc && { seal: enc.cipher.seal, sse: enc.sse },
      verify(r) {
        if (range && r.size < range.min) {
          throw new S3Error(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size.",
            { MinSizeAllowed: String(range.min) },
          );
        }
        if (digests.md5 !== undefined && digests.md5 !== toBase64(r.md5)) {
          throw new S3Error(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
          );
        }
        if (digests.value !== undefined && digests.value !== r.checksum) {
          throw new S3Error(
            "BadDigest",
            `The ${digests.alg} you specified did not match the calculated checksum.`,
          );
        }
        return digests.alg
          ? { alg: digests.alg, value: r.checksum!, type: "FULL_OBJECT" }
          : undefined;
      },
    }).catch((e) => {
      throw bodyFailure(e);
    });
    return { res: answer(req, fields, bucketName, key, meta, versionId), bucket, bytesIn: size };
  } finally {
    // Fields after the file are ignored, as S3 ignores them.
    await form.cancel();
  }
}
