/** Put/Get/DeleteBucketWebsite: the website configuration of a bucket as S3 XML. */
import { lww, nextTimestamp } from "../table/crdt.ts";
import { parseWebsite, websiteElements } from "../api/website_document.ts";
import { type BucketContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";

export async function putBucketWebsite(ctx: BucketContext): Promise<Response> {
  const cfg = parseWebsite(await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }));
  const b = ctx.bucket;
  await ctx.deps.model.buckets.insert({ ...b, website: lww(cfg, nextTimestamp(b.website)) });
  return new Response(null, { status: 200 });
}

export function getBucketWebsite(ctx: BucketContext): Response {
  const cfg = ctx.bucket.website.v;
  if (!cfg) {
    throw new S3Error(
      "NoSuchWebsiteConfiguration",
      "The specified bucket does not have a website configuration",
      {
        BucketName: ctx.bucketName,
      },
    );
  }
  return xmlResponse("WebsiteConfiguration", websiteElements(cfg));
}

export async function deleteBucketWebsite(ctx: BucketContext): Promise<Response> {
  const b = ctx.bucket;
  if (b.website.v) {
    await ctx.deps.model.buckets.insert({ ...b, website: lww(null, nextTimestamp(b.website)) });
  }
  return new Response(null, { status: 204 });
}
