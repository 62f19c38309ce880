/**
 * Put/Get/DeleteBucketLifecycleConfiguration: a bucket's lifecycle rules as S3 XML (the document
 * itself is api/lifecycle_document.ts).
 */
import { setBucketConfig } from "../model/buckets/bucket_ops.ts";
import { bucketLifecycle, LIFECYCLE_CONFIG } from "../model/buckets/lifecycle.ts";
import {
  checkLifecycleSize,
  lifecycleElements,
  parseLifecycle,
} from "../api/lifecycle_document.ts";
import { type BucketContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";

export async function putBucketLifecycle(ctx: BucketContext): Promise<Response> {
  const text = await readDocument(ctx, { limit: 1024 * 1024, integrityRequired: true });
  const rules = parseLifecycle(text);
  checkLifecycleSize(rules);
  await setBucketConfig(ctx.deps.model, ctx.bucket, LIFECYCLE_CONFIG, rules);
  return new Response(null, { status: 200 });
}

export function getBucketLifecycle(ctx: BucketContext): Response {
  const rules = bucketLifecycle(ctx.bucket);
  if (!rules) {
    throw new S3Error(
      "NoSuchLifecycleConfiguration",
      "The lifecycle configuration does not exist",
      {
        BucketName: ctx.bucketName,
      },
    );
  }
  return xmlResponse("LifecycleConfiguration", lifecycleElements(rules));
}

export async function deleteBucketLifecycle(ctx: BucketContext): Promise<Response> {
  if (bucketLifecycle(ctx.bucket)) {
    await setBucketConfig(ctx.deps.model, ctx.bucket, LIFECYCLE_CONFIG, null);
  }
  return new Response(null, { status: 204 });
}
