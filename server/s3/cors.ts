/** CORS: a bucket's rules through Put/Get/DeleteBucketCors (api/cors.ts applies them). */
import { setBucketConfig } from "../model/buckets/bucket_ops.ts";
import { bucketCors, CORS } from "../api/cors.ts";
import { corsElements, parseCors } from "../api/cors_document.ts";
import { type BucketContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";

export async function putBucketCors(ctx: BucketContext): Promise<Response> {
  const rules = parseCors(await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }));
  await setBucketConfig(ctx.deps.model, ctx.bucket, CORS, rules);
  return new Response(null, { status: 200 });
}

export function getBucketCors(ctx: BucketContext): Response {
  const rules = bucketCors(ctx.bucket);
  if (!rules) {
    throw new S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", {
      BucketName: ctx.bucketName,
    });
  }
  return xmlResponse("CORSConfiguration", corsElements(rules));
}

export async function deleteBucketCors(ctx: BucketContext): Promise<Response> {
  if (bucketCors(ctx.bucket)) await setBucketConfig(ctx.deps.model, ctx.bucket, CORS, null);
  return new Response(null, { status: 204 });
}
