/**
 * A bucket's policy (Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus) and its public access
 * block (Put/Get/DeletePublicAccessBlock).
 */
import {
  policyOf,
  policyText,
  type PublicAccessBlock,
  PublicAccessBlocked,
  publicAccessBlockOf,
  setBucketPolicy,
  setPublicAccessBlock,
} from "../model/buckets/access.ts";
import { PolicyError } from "../model/buckets/policy.ts";
import { isPublicPolicy } from "../model/buckets/policy_eval.ts";
import type { BucketContext } from "./context.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { xmlResponse } from "../api/response.ts";
import { parseXmlBody, xmlToken } from "../api/xml.ts";

function noPolicy(): S3Error {
  return new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist");
}

/** A refusal of the model as the S3 answer AWS gives for it. */
export function accessError(e: unknown): unknown {
  if (e instanceof PolicyError) return new S3Error("MalformedPolicy", e.message);
  if (e instanceof PublicAccessBlocked) return new S3Error("AccessDenied", e.message);
  return e;
}

export async function putBucketPolicy(ctx: BucketContext): Promise<Response> {
  const text = await readDocument(ctx, { limit: 64 * 1024 });
  try {
    await setBucketPolicy(ctx.deps.model, ctx.bucket, text, {
      usedName: ctx.bucketName,
      clusterBlock: ctx.deps.sys.config.s3Api.publicAccessBlock,
    });
  } catch (e) {
    throw accessError(e);
  }
  return new Response(null, { status: 204 });
}

export function getBucketPolicy(ctx: BucketContext): Response {
  const text = policyText(ctx.bucket);
  if (text === undefined) throw noPolicy();
  return new Response(text, { headers: { "content-type": "application/json" } });
}

export async function deleteBucketPolicy(ctx: BucketContext): Promise<Response> {
  if (policyText(ctx.bucket) !== undefined) {
    await setBucketPolicy(ctx.deps.model, ctx.bucket, null, {
      clusterBlock: ctx.deps.sys.config.s3Api.publicAccessBlock,
    });
  }
  return new Response(null, { status: 204 });
}

export function getBucketPolicyStatus(ctx: BucketContext): Response {
  const policy = policyOf(ctx.bucket);
  if (!policy) throw noPolicy();
  return xmlResponse("PolicyStatus", { IsPublic: String(isPublicPolicy(policy)) });
}

const FLAGS: Array<[keyof PublicAccessBlock, string]> = [
  ["blockPublicAcls", "BlockPublicAcls"],
  ["ignorePublicAcls", "IgnorePublicAcls"],
  ["blockPublicPolicy", "BlockPublicPolicy"],
  ["restrictPublicBuckets", "RestrictPublicBuckets"],
];

export async function putPublicAccessBlock(ctx: BucketContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "PublicAccessBlockConfiguration",
  );
  const block = {} as PublicAccessBlock;
  for (const [field, element] of FLAGS) {
    const v = xmlToken(doc[element]);
    if (v !== undefined && v !== "true" && v !== "false") {
      throw new S3Error(
        "MalformedXML",
        `The XML you provided was not well-formed or did not validate against our published schema: ${element} must be true or false.`,
      );
    }
    block[field] = v === "true";
  }
  await setPublicAccessBlock(ctx.deps.model, ctx.bucket, block);
  return new Response(null, { status: 200 });
}

export function getPublicAccessBlock(ctx: BucketContext): Response {
  const block = publicAccessBlockOf(ctx.bucket);
  if (!block) {
    throw new S3Error(
      "NoSuchPublicAccessBlockConfiguration",
      "The public access block configuration was not found",
    );
  }
  return xmlResponse(
    "PublicAccessBlockConfiguration",
    Object.fromEntries(FLAGS.map(([field, element]) => [element, String(block[field])])),
  );
}

export async function deletePublicAccessBlock(ctx: BucketContext): Promise<Response> {
  if (publicAccessBlockOf(ctx.bucket)) await setPublicAccessBlock(ctx.deps.model, ctx.bucket, null);
  return new Response(null, { status: 204 });
}
