/**
 * Object lock: Put/GetObjectLockConfiguration on a bucket, Put/GetObjectRetention and
 * Put/GetObjectLegalHold on a version, and who may bypass a GOVERNANCE retention.
 */
import { type DefaultRetention, lockConfigOf, setLockConfig } from "../model/buckets/protection.ts";
import { permissionOf } from "../model/buckets/bucket_ops.ts";
import { readLock, setLegalHold, setRetention } from "../model/objects/lock.ts";
import type { Complete } from "../model/objects/versions.ts";
import { versionIdOf } from "../model/tables/object.ts";
import { missingVersion } from "../api/object_read.ts";
import type { BucketContext, ObjectContext } from "./context.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { isoDate, xmlResponse } from "../api/response.ts";
import { parseXmlBody, type XmlObject, xmlToken } from "../api/xml.ts";
import { parseUntil } from "./object_settings.ts";
import type { LockMode } from "../model/tables/settings.ts";

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}

/** A mode in a document: anything but the two is a document S3's schema refuses. */
function xmlMode(mode: string): LockMode {
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
    throw malformed("<Mode> is GOVERNANCE or COMPLIANCE");
  }
  return mode;
}

function child(o: XmlObject, name: string): XmlObject | undefined {
  const v = o[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw malformed(`<${name}> holds elements`);
  }
  return v;
}

/**
 * x-amz-bypass-governance-retention: true, from a key that owns the bucket (the right S3 calls
 * s3:BypassGovernanceRetention); from any other key it is refused, not ignored.
 */
export function bypassGovernance(ctx: BucketContext): boolean {
  if (ctx.headers.get("x-amz-bypass-governance-retention")?.trim().toLowerCase() !== "true") {
    return false;
  }
  if (!ctx.apiKey || !permissionOf(ctx.apiKey, ctx.bucket.id).owner) {
    throw new S3Error(
      "AccessDenied",
      "Access Denied: only a key that owns the bucket may bypass GOVERNANCE retention.",
    );
  }
  return true;
}

function parseDefaultRetention(rule: XmlObject): DefaultRetention {
  const d = child(rule, "DefaultRetention");
  if (!d) throw malformed("a <Rule> holds a <DefaultRetention>");
  const mode = xmlToken(d.Mode);
  if (mode === undefined) throw malformed("<DefaultRetention> needs a <Mode>");
  const out: DefaultRetention = { mode: xmlMode(mode) };
  const days = xmlToken(d.Days), years = xmlToken(d.Years);
  if ((days === undefined) === (years === undefined)) {
    throw malformed("<DefaultRetention> has either <Days> or <Years>");
  }
  const n = Number(days ?? years);
  if (!/^\d+$/.test(days ?? years!) || n <= 0 || n > (days ? 36_500 : 100)) {
    throw new S3Error(
      "InvalidRetentionPeriod",
      "Default retention period must be a positive integer value (at most 36,500 days or 100 years).",
      { ArgumentName: days ? "Days" : "Years", ArgumentValue: days ?? years! },
    );
  }
  if (days) out.days = n;
  else out.years = n;
  return out;
}

export async function putObjectLockConfiguration(ctx: BucketContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "ObjectLockConfiguration",
  );
  if (xmlToken(doc.ObjectLockEnabled) !== "Enabled") {
    throw malformed("ObjectLockEnabled must be Enabled (object lock cannot be turned off)");
  }
  const rule = child(doc, "Rule");
  const config = rule
    ? { enabled: true as const, rule: parseDefaultRetention(rule) }
    : { enabled: true as const };
  await setLockConfig(ctx.deps.model, ctx.bucket, config);
  return new Response(null, { status: 200 });
}

export function getObjectLockConfiguration(ctx: BucketContext): Response {
  const c = lockConfigOf(ctx.bucket);
  if (!c) {
    throw new S3Error(
      "ObjectLockConfigurationNotFoundError",
      "Object Lock configuration does not exist for this bucket",
      { BucketName: ctx.bucketName },
    );
  }
  return xmlResponse("ObjectLockConfiguration", {
    ObjectLockEnabled: "Enabled",
    Rule: c.rule
      ? {
        DefaultRetention: {
          Mode: c.rule.mode,
          ...(c.rule.days ? { Days: c.rule.days } : { Years: c.rule.years }),
        },
      }
      : undefined,
  });
}

function versionHeaders(v: Complete): Record<string, string> {
  return { "x-amz-version-id": versionIdOf(v) };
}

/** The answer to a change of the version a request names (NoSuchKey/NoSuchVersion if none). */
async function changed(
  ctx: ObjectContext,
  change: (versionId: string | undefined) => Promise<Complete | undefined>,
): Promise<Response> {
  const versionId = ctx.query.get("versionId");
  const v = await change(versionId ?? undefined);
  if (!v) throw missingVersion(ctx.key, versionId);
  return new Response(null, { status: 200, headers: versionHeaders(v) });
}

export async function putObjectRetention(ctx: ObjectContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "Retention",
  );
  const mode = xmlToken(doc.Mode), until = xmlToken(doc.RetainUntilDate);
  if ((mode === undefined) !== (until === undefined)) {
    throw malformed("<Retention> has both <Mode> and <RetainUntilDate>, or neither (to remove it)");
  }
  const asked = mode === undefined
    ? undefined
    : { mode: xmlMode(mode), until: parseUntil("RetainUntilDate", until!) };
  const bypass = bypassGovernance(ctx);
  return await changed(
    ctx,
    (id) => setRetention(ctx.deps.model, ctx.bucket, ctx.key, id, asked, bypass),
  );
}

/** The version a GetObjectRetention or GetObjectLegalHold names, with its lock. */
async function lockedVersion(ctx: ObjectContext): Promise<Complete> {
  const versionId = ctx.query.get("versionId");
  const v = await readLock(ctx.deps.model, ctx.bucket, ctx.key, versionId ?? undefined);
  if (!v) throw missingVersion(ctx.key, versionId);
  return v;
}

const noLock = () =>
  new S3Error(
    "NoSuchObjectLockConfiguration",
    "The specified object does not have a ObjectLock configuration",
  );

export async function getObjectRetention(ctx: ObjectContext): Promise<Response> {
  const v = await lockedVersion(ctx);
  if (!v.retention || v.retention.until === 0) throw noLock();
  return xmlResponse(
    "Retention",
    { Mode: v.retention.mode, RetainUntilDate: isoDate(v.retention.until) },
    200,
    versionHeaders(v),
  );
}

export async function putObjectLegalHold(ctx: ObjectContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "LegalHold",
  );
  const status = xmlToken(doc.Status);
  if (status !== "ON" && status !== "OFF") throw malformed("<LegalHold> has a <Status> ON or OFF");
  return await changed(
    ctx,
    (id) => setLegalHold(ctx.deps.model, ctx.bucket, ctx.key, id, status === "ON"),
  );
}

export async function getObjectLegalHold(ctx: ObjectContext): Promise<Response> {
  const v = await lockedVersion(ctx);
  if (!v.legalHold) throw noLock();
  return xmlResponse(
    "LegalHold",
    { Status: v.legalHold.on ? "ON" : "OFF" },
    200,
    versionHeaders(v),
  );
}
