/** Put/Get/DeleteObjectTagging (any version) and Put/Get/DeleteBucketTagging. */
import { bucketConfig, setBucketConfig } from "../model/buckets/bucket_ops.ts";
import { checkTags, setTags } from "../model/objects/tags.ts";
import { settingsTarget } from "../model/objects/versions.ts";
import { versionIdOf } from "../model/tables/object.ts";
import { missingVersion } from "../api/object_read.ts";
import type { BucketContext, ObjectContext } from "./context.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { xmlResponse } from "../api/response.ts";
import { parseTagging } from "./object_settings.ts";

const BUCKET_TAGS = "tagging";
/** AWS allows 50 tags on a bucket. */
const MAX_BUCKET_TAGS = 50;

/** Tags in key order, as S3 lists them. */
function tagSetXml(tags: Array<[string, string]>) {
  const sorted = [...tags].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return { TagSet: { Tag: sorted.map(([Key, Value]) => ({ Key, Value })) } };
}

async function writeTags(ctx: ObjectContext, tags: Array<[string, string]>, status: number) {
  const versionId = ctx.query.get("versionId");
  const v = await setTags(ctx.deps.model, ctx.bucket.id, ctx.key, versionId ?? undefined, tags);
  if (!v) throw missingVersion(ctx.key, versionId);
  return new Response(null, { status, headers: { "x-amz-version-id": versionIdOf(v) } });
}

export async function putObjectTagging(ctx: ObjectContext): Promise<Response> {
  const text = await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true });
  return await writeTags(ctx, parseTagging(text), 200);
}

export async function deleteObjectTagging(ctx: ObjectContext): Promise<Response> {
  return await writeTags(ctx, [], 204);
}

export async function getObjectTagging(ctx: ObjectContext): Promise<Response> {
  const versionId = ctx.query.get("versionId");
  const v = await settingsTarget(ctx.deps.model, ctx.bucket.id, ctx.key, versionId ?? undefined);
  if (!v || v.state.data.t === "delete") throw missingVersion(ctx.key, versionId);
  return xmlResponse("Tagging", tagSetXml(v.tags?.tags ?? []), 200, {
    "x-amz-version-id": versionIdOf(v),
  });
}

export async function putBucketTagging(ctx: BucketContext): Promise<Response> {
  const text = await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true });
  const tags = parseTagging(text);
  checkTags(tags, MAX_BUCKET_TAGS);
  await setBucketConfig(ctx.deps.model, ctx.bucket, BUCKET_TAGS, tags);
  return new Response(null, { status: 204 });
}

export function getBucketTagging(ctx: BucketContext): Response {
  const tags = bucketConfig<Array<[string, string]>>(ctx.bucket, BUCKET_TAGS);
  if (!tags?.length) {
    throw new S3Error("NoSuchTagSet", "The TagSet does not exist", { BucketName: ctx.bucketName });
  }
  return xmlResponse("Tagging", tagSetXml(tags));
}

export async function deleteBucketTagging(ctx: BucketContext): Promise<Response> {
  await setBucketConfig(ctx.deps.model, ctx.bucket, BUCKET_TAGS, null);
  return new Response(null, { status: 204 });
}
