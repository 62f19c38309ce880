/** Bucket-level S3 operations. */
import {
  bucketIsEmpty,
  createBucket,
  deleteBucket,
  getBucket,
  globalAliases,
  globalAliasTarget,
  permissionOf,
  setPermission,
} from "../model/buckets/bucket_ops.ts";
import { bucketNameError } from "../model/tables/bucket.ts";
import { setLockConfig, setVersioning } from "../model/buckets/protection.ts";
import { hasAny } from "../model/tables/permission.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import { type BucketContext, type S3Context } from "./context.ts";
import { checkAclAllowed, parseCannedAcl } from "./acl.ts";
import { setBucketAcl } from "../model/buckets/access.ts";
import { isoDate, xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { parseXmlBody, xmlToken } from "../api/xml.ts";

/** ListBuckets and CreateBucket: what only a signed request can ask. */
type KeyContext = S3Context & { apiKey: KeyEntry };

function owner(ctx: KeyContext) {
  return { ID: ctx.apiKey.id, DisplayName: ctx.apiKey.name.v };
}

export function listBuckets(ctx: KeyContext): Response {
  const { model } = ctx.deps;
  const seen = new Map<string, number>();
  for (const [id, { v }] of Object.entries(ctx.apiKey.buckets)) {
    const b = getBucket(model, id);
    if (!b || !hasAny(v)) continue;
    for (const name of globalAliases(b)) seen.set(name, b.created);
  }
  for (const [name, { v }] of Object.entries(ctx.apiKey.localAliases)) {
    const b = v ? getBucket(model, v) : undefined;
    if (b) seen.set(name, b.created);
  }
  const prefix = ctx.query.get("prefix") ?? "";
  const after = ctx.query.get("continuation-token") ?? "";
  const maxParam = ctx.query.get("max-buckets");
  const max = maxParam === null ? Infinity : Number(maxParam);
  if (maxParam !== null && (!/^\d+$/.test(maxParam) || max < 1 || max > 10000)) {
    throw new S3Error("InvalidArgument", "max-buckets must be an integer between 1 and 10000", {
      ArgumentName: "max-buckets",
      ArgumentValue: maxParam,
    });
  }
  const all = [...seen.entries()]
    .filter(([name]) => name.startsWith(prefix) && name > after)
    .sort(([a], [b]) => a < b ? -1 : 1);
  const page = all.slice(0, max);
  return xmlResponse("ListAllMyBucketsResult", {
    Owner: owner(ctx),
    Buckets: {
      Bucket: page.map(([Name, created]) => ({ Name, CreationDate: isoDate(created) })),
    },
    // Bucket names are plain ASCII: the last one listed serves as the token.
    ContinuationToken: all.length > page.length ? page[page.length - 1][0] : undefined,
    Prefix: ctx.query.has("prefix") ? prefix : undefined,
  });
}

export async function createBucketHandler(
  ctx: KeyContext & { bucketName: string },
): Promise<Response> {
  const { model, sys } = ctx.deps;
  const name = ctx.bucketName;
  const nameError = bucketNameError(name);
  if (nameError) {
    throw new S3Error("InvalidBucketName", `The specified bucket is not valid: it ${nameError}.`, {
      BucketName: name,
    });
  }
  const text = await readDocument(ctx, { limit: 64 * 1024 });
  if (text.trim()) {
    const conf = parseXmlBody(text, "CreateBucketConfiguration");
    const location = xmlToken(conf.LocationConstraint);
    if (location && location !== sys.config.s3Api.s3Region) {
      throw new S3Error(
        "InvalidLocationConstraint",
        `The specified location-constraint is not valid: this cluster's region is "${sys.config.s3Api.s3Region}".`,
        { LocationConstraint: location },
      );
    }
  }
  const localId = ctx.apiKey.localAliases[name]?.v;
  const existing = localId ?? globalAliasTarget(model, name);
  if (existing && getBucket(model, existing)) {
    const owned = hasAny(permissionOf(ctx.apiKey, existing)) || localId;
    // AWS's us-east-1 answers 200 to re-creating a bucket one already owns; other regions refuse.
    if (owned && sys.config.s3Api.s3Region === "us-east-1") {
      return new Response(null, { status: 200, headers: { location: `/${name}` } });
    }
    if (owned) {
      throw new S3Error(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        { BucketName: name },
      );
    }
    throw new S3Error(
      "BucketAlreadyExists",
      "The requested bucket name is not available. Please select a different name and try again.",
      { BucketName: name },
    );
  }
  if (!ctx.apiKey.allowCreateBucket.v) {
    throw new S3Error("AccessDenied", "This access key is not allowed to create buckets.");
  }
  const lock = ctx.headers.get("x-amz-bucket-object-lock-enabled")?.trim().toLowerCase();
  if (lock !== undefined && lock !== "true" && lock !== "false") {
    throw new S3Error("InvalidArgument", "x-amz-bucket-object-lock-enabled must be true or false", {
      ArgumentName: "x-amz-bucket-object-lock-enabled",
      ArgumentValue: lock,
    });
  }
  const rawAcl = ctx.headers.get("x-amz-acl");
  const acl = rawAcl === null ? undefined : parseCannedAcl(rawAcl);
  if (acl) checkAclAllowed(acl, null, sys.config);
  const b = await createBucket(model, { globalAlias: name });
  await setPermission(model, b.id, ctx.apiKey.id, { read: true, write: true, owner: true });
  if (acl && acl !== "private") {
    await setBucketAcl(model, getBucket(model, b.id)!, acl, sys.config.s3Api.publicAccessBlock);
  }
  if (lock === "true") {
    // Object lock comes with versioning, as in S3.
    await setVersioning(model, getBucket(model, b.id)!, "Enabled");
    await setLockConfig(model, getBucket(model, b.id)!, { enabled: true });
  }
  return new Response(null, { status: 200, headers: { location: `/${name}` } });
}

export function headBucket(ctx: BucketContext): Response {
  return new Response(null, {
    status: 200,
    headers: { "x-amz-bucket-region": ctx.deps.sys.config.s3Api.s3Region },
  });
}

export async function deleteBucketHandler(ctx: BucketContext): Promise<Response> {
  const { model } = ctx.deps;
  if (!(await bucketIsEmpty(model, ctx.bucket.id))) {
    throw new S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", {
      BucketName: ctx.bucketName,
    });
  }
  await deleteBucket(model, ctx.bucket.id);
  return new Response(null, { status: 204 });
}

export function getBucketLocation(ctx: BucketContext): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${ctx.deps.sys.config.s3Api.s3Region}</LocationConstraint>`,
    { headers: { "content-type": "application/xml" } },
  );
}

/** ACLs are not stored: the grants shown are the key permissions that really apply. */
