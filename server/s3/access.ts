/**
 * Whether a caller may run an operation on a bucket: the key's own rights, the bucket's policy
 * (an explicit Deny wins over everything but the owner fixing the policy), and the bucket's
 * canned ACL, as the public access block lets them count. Anonymous callers get only what the
 * policy or ACL grants, and never a bucket's configuration.
 */
import {
  bucketAclOf,
  bucketNames,
  effectiveBlock,
  isPublicAcl,
  policyOf,
  type PublicAccessBlock,
} from "../model/buckets/access.ts";
import { permissionOf } from "../model/buckets/bucket_ops.ts";
import type { Policy } from "../model/buckets/policy.ts";
import { type ContextValue, HEADER_KEYS, UNKNOWN } from "../model/buckets/policy_conditions.ts";
import { evaluate } from "../model/buckets/policy_eval.ts";
import { settingsTarget } from "../model/objects/versions.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import { S3Error } from "../api/error.ts";
import type { HeaderReader } from "../util/header_map.ts";
import { clientAddress } from "../net/client_address.ts";
import type { Query } from "../util/target.ts";
import type { S3Context } from "./context.ts";
import type { Need } from "./routes.ts";

/** Operations whose action differs when they name a version. */
const VERSION_ACTIONS: Record<string, string> = {
  GetObject: "GetObjectVersion",
  HeadObject: "GetObjectVersion",
  GetObjectAttributes: "GetObjectVersionAttributes",
  GetObjectAcl: "GetObjectVersionAcl",
  PutObjectAcl: "PutObjectVersionAcl",
  GetObjectTagging: "GetObjectVersionTagging",
  PutObjectTagging: "PutObjectVersionTagging",
  DeleteObjectTagging: "DeleteObjectVersionTagging",
  DeleteObject: "DeleteObjectVersion",
};

/** Operations named otherwise than their action. */
const ACTIONS: Record<string, string> = {
  HeadObject: "GetObject",
  CopyObject: "PutObject",
  UploadPart: "PutObject",
  UploadPartCopy: "PutObject",
  CreateMultipartUpload: "PutObject",
  CompleteMultipartUpload: "PutObject",
  PostObject: "PutObject",
  ListParts: "ListMultipartUploadParts",
  ListObjects: "ListBucket",
  ListObjectsV2: "ListBucket",
  HeadBucket: "ListBucket",
  ListObjectVersions: "ListBucketVersions",
  ListMultipartUploads: "ListBucketMultipartUploads",
  DeleteObjects: "DeleteObject",
  GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
  GetBucketCors: "GetBucketCORS",
  PutBucketCors: "PutBucketCORS",
  DeleteBucketCors: "PutBucketCORS",
  GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
  DeleteBucketLifecycle: "PutLifecycleConfiguration",
  DeleteBucketTagging: "PutBucketTagging",
  GetPublicAccessBlock: "GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "PutBucketPublicAccessBlock",
};

/** Operations an owner may always run, whatever the policy says: how a bad policy is undone. */
const OWNER_ALWAYS = new Set(["GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"]);

/** What a bucket's canned ACL grants, by action. */
const ACL_READ = new Set([
  "s3:listbucket",
  "s3:listbucketversions",
  "s3:listbucketmultipartuploads",
]);
const ACL_WRITE = new Set(["s3:putobject", "s3:deleteobject", "s3:deleteobjectversion"]);

/** What an object's canned ACL grants: reading it. */
const OBJECT_READS = new Set(["s3:getobject", "s3:getobjectversion"]);

/** The S3 action (lower case, as policies match it) of an operation. */
export function actionOf(op: string, query: Query): string {
  const name = (query.has("versionId") && VERSION_ACTIONS[op]) || ACTIONS[op] || op;
  return `s3:${name.toLowerCase()}`;
}

/** Who is asking, and how the request reached us. */
export interface Caller {
  key?: KeyEntry;
  headers: HeaderReader;
  query: Query;
  /** The bucket name as the request wrote it. */
  bucketName: string;
}

/** The value of a condition key for this request (see policy_conditions.ts for the keys). */
function contextOf(c: Caller, action: string, tags?: Array<[string, string]>) {
  const now = Date.now();
  return (key: string): ContextValue => {
    if (key.startsWith("s3:existingobjecttag/")) {
      if (!tags) return UNKNOWN;
      return tags.find(([k]) => k === key.slice("s3:existingobjecttag/".length))?.[1];
    }
    const header = (name: string) => c.headers.get(name) ?? undefined;
    const named = HEADER_KEYS.get(key);
    if (named) return header(named);
    const listing = action === "s3:listbucket" || action === "s3:listbucketversions";
    switch (key) {
      case "aws:sourceip":
        return clientAddress(c.headers) ?? UNKNOWN;
      case "aws:securetransport":
        // The S3 endpoint serves plain HTTP: TLS ended by a proxy in front is not seen here.
        return "false";
      case "aws:currenttime":
        return new Date(now).toISOString();
      case "aws:epochtime":
        return String(Math.floor(now / 1000));
      case "aws:referer":
        return header("referer");
      case "aws:useragent":
        return header("user-agent");
      case "aws:principaltype":
        return c.key ? "User" : "Anonymous";
      case "aws:userid":
        return c.key ? c.key.id : "anonymous";
      case "s3:prefix":
      case "s3:delimiter":
        return listing ? c.query.get(key.slice(3)) ?? undefined : undefined;
      case "s3:max-keys":
        return listing ? c.query.get("max-keys") ?? undefined : undefined;
      case "s3:versionid":
        return c.query.get("versionId") ?? undefined;
      case "s3:signatureversion":
        return c.key ? "AWS4-HMAC-SHA256" : undefined;
      case "s3:authtype":
        if (!c.key) return undefined;
        return c.query.has("X-Amz-Signature") ? "REST-QUERY-STRING" : "REST-HEADER";
    }
    return undefined;
  };
}

function usesObjectTags(p: Policy): boolean {
  return p.statements.some((s) =>
    s.conditions.some((c) => c.key.startsWith("s3:existingobjecttag/"))
  );
}

export interface AccessOptions {
  cluster: PublicAccessBlock;
  model: Parameters<typeof settingsTarget>[0];
}

/**
 * Decides an operation for a caller; throws AccessDenied saying why when it is refused. Answers
 * how it was allowed: "key" (the key's own rights) or "grant" (a policy or an ACL).
 */
export async function authorize(
  o: AccessOptions,
  c: Caller,
  bucket: BucketEntry,
  op: { name: string; need: Need },
  objectKey?: string,
): Promise<"key" | "grant"> {
  const action = actionOf(op.name, c.query);
  const perm = c.key ? permissionOf(c.key, bucket.id) : undefined;
  const byKey = !!perm &&
    (op.need === "none" ? perm.read || perm.write || perm.owner : perm[op.need]);
  const block = effectiveBlock(bucket, o.cluster);
  const policy = policyOf(bucket);
  const decision = policy
    ? evaluate(policy, {
      principal: c.key?.id ?? null,
      action,
      bucketNames: bucketNames(bucket, c.bucketName),
      key: objectKey,
      context: contextOf(
        c,
        action,
        objectKey !== undefined && usesObjectTags(policy)
          ? await currentTags(o.model, bucket.id, objectKey, c.query.get("versionId"))
          : undefined,
      ),
    }, block.restrictPublicBuckets && !c.key)
    : undefined;
  if (decision === "Deny" && !(perm?.owner && OWNER_ALWAYS.has(op.name))) {
    throw new S3Error("AccessDenied", "Access Denied: an explicit Deny in the bucket's policy.");
  }
  if (byKey) return "key";
  // A bucket's configuration is its owners' alone: no policy or ACL opens it to anonymous callers.
  const configuration = op.need === "owner";
  if (decision === "Allow" && !(configuration && !c.key)) return "grant";
  if (!configuration && aclGrants(bucket, block, action, !!c.key)) return "grant";
  if (
    objectKey !== undefined && OBJECT_READS.has(action) &&
    await objectAclGrants(o.model, bucket.id, objectKey, c.query.get("versionId"), block, !!c.key)
  ) return "grant";
  throw new S3Error(
    "AccessDenied",
    c.key
      ? `Access Denied: this key has no ${
        op.need === "none" ? "" : op.need + " "
      }permission on bucket ${c.bucketName}.`
      : "Access Denied: anonymous access is not allowed here; sign the request with an access key.",
  );
}

function aclGrants(
  bucket: BucketEntry,
  block: PublicAccessBlock,
  action: string,
  signed: boolean,
): boolean {
  const acl = bucketAclOf(bucket);
  if (isPublicAcl(acl) && block.ignorePublicAcls) return false;
  const readers = acl === "public-read" || acl === "public-read-write" ||
    (acl === "authenticated-read" && signed);
  if (ACL_READ.has(action)) return readers;
  return ACL_WRITE.has(action) && acl === "public-read-write";
}

/** A key past its expiration date signs nothing any more. */
export function refuseExpired(k: KeyEntry): void {
  const exp = k.expiration?.v ?? null;
  if (exp !== null && exp <= Date.now()) {
    throw new S3Error(
      "AccessDenied",
      `The access key ${k.id} expired on ${
        new Date(exp).toISOString()
      }: ask an administrator to extend it or create a new one.`,
    );
  }
}

/** The same for a request's context: another bucket it reads (a copy source), say. */
export function authorizeFor(
  ctx: S3Context,
  bucket: BucketEntry,
  bucketName: string,
  op: { name: string; need: Need },
  objectKey?: string,
): Promise<"key" | "grant"> {
  return authorize(
    { cluster: ctx.deps.sys.config.s3Api.publicAccessBlock, model: ctx.deps.model },
    { key: ctx.apiKey, headers: ctx.headers, query: new URLSearchParams(), bucketName },
    bucket,
    op,
    objectKey,
  );
}

/** The settings of the version a request names (none when it names nothing readable). */
function settingsOf(
  model: AccessOptions["model"],
  bucketId: string,
  key: string,
  versionId: string | null,
) {
  return settingsTarget(model, bucketId, key, versionId ?? undefined).catch(() => undefined);
}

async function objectAclGrants(
  model: AccessOptions["model"],
  bucketId: string,
  key: string,
  versionId: string | null,
  block: PublicAccessBlock,
  signed: boolean,
): Promise<boolean> {
  const acl = (await settingsOf(model, bucketId, key, versionId))?.acl?.acl;
  if (acl === "public-read" || acl === "public-read-write") return !block.ignorePublicAcls;
  return acl === "authenticated-read" && signed && !block.ignorePublicAcls;
}

async function currentTags(
  model: AccessOptions["model"],
  bucketId: string,
  key: string,
  versionId: string | null,
): Promise<Array<[string, string]>> {
  return (await settingsOf(model, bucketId, key, versionId))?.tags?.tags ?? [];
}
