/**
 * Canned ACLs: x-amz-acl on bucket and object writes, Put/GetBucketAcl and Put/GetObjectAcl.
 * Rights still come from key permissions and policies; a canned ACL adds what AWS's adds (a
 * public-read object is readable by anyone, a public-read bucket listable by anyone). Grants
 * naming users are refused with 501: Remise keeps no list of grantees.
 */
import {
  bucketAclOf,
  type CannedAcl,
  effectiveBlock,
  isCannedAcl,
  isPublicAcl,
  PublicAccessBlocked,
  setBucketAcl,
} from "../model/buckets/access.ts";
import { bucketPermissions, ownerIdOf } from "../model/buckets/bucket_ops.ts";
import { settingsTarget, updateSettings } from "../model/objects/versions.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { Config } from "../util/config.ts";
import type { HeaderReader } from "../util/header_map.ts";
import { S3Error } from "../api/error.ts";
import { escapeXml } from "../api/xml.ts";
import { missingVersion, versionHeader } from "../api/object_read.ts";
import { readDocument } from "./body.ts";
import type { BucketContext, ObjectContext } from "./context.ts";

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/** An x-amz-acl value: a canned ACL Remise applies, or a refusal saying why not. */
export function parseCannedAcl(value: string): CannedAcl {
  const v = value.trim();
  if (isCannedAcl(v)) return v;
  if (v === "aws-exec-read" || v === "log-delivery-write") {
    throw new S3Error("NotImplemented", `The canned ACL ${v} is not implemented by this server.`);
  }
  throw new S3Error("InvalidArgument", `Invalid canned ACL: ${v}`, {
    ArgumentName: "x-amz-acl",
    ArgumentValue: v,
  });
}

/**
 * Refuses a canned ACL the operator or the public access block forbids (the bucket's and the
 * cluster's; the cluster's alone for a bucket being created).
 */
export function checkAclAllowed(acl: CannedAcl, bucket: BucketEntry | null, config: Config): void {
  if (acl === "public-read-write" && !config.s3Api.allowPublicWrite) {
    throw new S3Error(
      "AccessDenied",
      "The canned ACL public-read-write (anonymous writes) is not allowed on this cluster: the operator can allow it with allow_public_write in [s3_api].",
    );
  }
  const cluster = config.s3Api.publicAccessBlock;
  const block = bucket ? effectiveBlock(bucket, cluster) : cluster;
  if (isPublicAcl(acl) && block.blockPublicAcls) {
    throw new S3Error(
      "AccessDenied",
      "The bucket's public access block (BlockPublicAcls) refuses a public ACL.",
    );
  }
}

/** The canned ACL an object write asks for, checked; undefined when it names none. */
export function requestedAcl(
  h: HeaderReader,
  bucket: BucketEntry,
  config: Config,
): CannedAcl | undefined {
  const raw = h.get("x-amz-acl");
  if (raw === null) return undefined;
  const acl = parseCannedAcl(raw);
  checkAclAllowed(acl, bucket, config);
  return acl;
}

/** The canned ACL of a Put*Acl request; a body or grant headers naming grantees are refused. */
async function aclOfRequest(ctx: BucketContext): Promise<CannedAcl> {
  const grants = [...ctx.headers.keys()].some((h) => h.startsWith("x-amz-grant-"));
  const body = await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true });
  const canned = ctx.headers.get("x-amz-acl");
  if (grants || body.trim() !== "" || canned === null) {
    throw new S3Error(
      "NotImplemented",
      "Only canned ACLs (x-amz-acl) can be set here: grants naming users are not implemented; give keys rights through the admin API or a bucket policy.",
    );
  }
  const acl = parseCannedAcl(canned);
  checkAclAllowed(acl, ctx.bucket, ctx.deps.sys.config);
  return acl;
}

export async function putBucketAcl(ctx: BucketContext): Promise<Response> {
  const acl = await aclOfRequest(ctx);
  try {
    await setBucketAcl(
      ctx.deps.model,
      ctx.bucket,
      acl,
      ctx.deps.sys.config.s3Api.publicAccessBlock,
    );
  } catch (e) {
    if (e instanceof PublicAccessBlocked) throw new S3Error("AccessDenied", e.message);
    throw e;
  }
  return new Response(null, { status: 200 });
}

export async function putObjectAcl(ctx: ObjectContext): Promise<Response> {
  const acl = await aclOfRequest(ctx);
  const versionId = ctx.query.get("versionId") ?? undefined;
  const { model } = ctx.deps;
  const v = await settingsTarget(model, ctx.bucket.id, ctx.key, versionId);
  if (!v || v.state.data.t === "delete") throw missingVersion(ctx.key, versionId);
  await updateSettings(model, ctx.bucket.id, ctx.key, v, { acl: { acl, at: Date.now() } });
  return new Response(null, { status: 200, headers: versionHeader(ctx.bucket, v) });
}

interface Grant {
  grantee: string;
  permission: string;
}

function grantsOf(acl: CannedAcl, ownerId: string): Grant[] {
  const owner =
    `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${
      escapeXml(ownerId)
    }</ID><DisplayName>${escapeXml(ownerId)}</DisplayName></Grantee>`;
  const group = (uri: string) =>
    `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${uri}</URI></Grantee>`;
  // Group grants first, then the owner's, as AWS and RGW list them.
  const grants: Grant[] = [];
  if (acl === "public-read" || acl === "public-read-write") {
    grants.push({ grantee: group(ALL_USERS), permission: "READ" });
  }
  if (acl === "public-read-write") grants.push({ grantee: group(ALL_USERS), permission: "WRITE" });
  if (acl === "authenticated-read") {
    grants.push({ grantee: group(AUTHENTICATED_USERS), permission: "READ" });
  }
  grants.push({ grantee: owner, permission: "FULL_CONTROL" });
  return grants;
}

function keyGrants(bucket: BucketEntry, ownerId: string): Grant[] {
  const out: Grant[] = [];
  for (const [keyId, p] of Object.entries(bucketPermissions(bucket))) {
    if (keyId === ownerId) continue;
    const grantee =
      `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${
        escapeXml(keyId)
      }</ID><DisplayName>${escapeXml(keyId)}</DisplayName></Grantee>`;
    const perms = p.owner && p.read && p.write ? ["FULL_CONTROL"] : [
      ...(p.read ? ["READ"] : []),
      ...(p.write ? ["WRITE"] : []),
      ...(p.owner ? ["READ_ACP", "WRITE_ACP"] : []),
    ];
    for (const permission of perms) out.push({ grantee, permission });
  }
  return out;
}

function aclResponse(ownerId: string, grants: Grant[], headers: HeadersInit = {}): Response {
  const id = escapeXml(ownerId);
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${id}</ID><DisplayName>${id}</DisplayName></Owner><AccessControlList>${
      grants.map((g) => `<Grant>${g.grantee}<Permission>${g.permission}</Permission></Grant>`)
        .join("")
    }</AccessControlList></AccessControlPolicy>`,
    { headers: { "content-type": "application/xml", ...headers } },
  );
}

/** The grants that hold on a bucket: its canned ACL's, and each key's rights. */
export function getBucketAcl(ctx: BucketContext): Response {
  const ownerId = ownerIdOf(ctx.bucket);
  return aclResponse(ownerId, [
    ...grantsOf(bucketAclOf(ctx.bucket), ownerId),
    ...keyGrants(ctx.bucket, ownerId),
  ]);
}

export async function getObjectAcl(ctx: ObjectContext): Promise<Response> {
  const versionId = ctx.query.get("versionId") ?? undefined;
  const v = await settingsTarget(ctx.deps.model, ctx.bucket.id, ctx.key, versionId);
  if (!v || v.state.data.t === "delete") throw missingVersion(ctx.key, versionId);
  const ownerId = ownerIdOf(ctx.bucket);
  const acl = (v.acl?.acl ?? "private") as CannedAcl;
  return aclResponse(ownerId, grantsOf(acl, ownerId), versionHeader(ctx.bucket, v));
}
