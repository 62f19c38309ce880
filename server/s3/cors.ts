/**
 * CORS: the bucket's rules through Put/Get/DeleteBucketCors, preflight requests (OPTIONS,
 * unauthenticated) and the headers that let a browser read an answer, on the S3 and website
 * endpoints alike.
 */
import type { BucketEntry } from "../model/bucket.ts";
import { bucketConfig, setBucketConfig } from "../model/bucket_ops.ts";
import {
  CORS_METHODS,
  corsHeaders,
  type CorsRule,
  matchingRule,
  requestedHeaders,
} from "../model/cors.ts";
import { type BucketContext, xmlResponse } from "./context.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "./error.ts";
import { parseXmlBody, xmlList, xmlText, xmlToken, type XmlValue } from "./xml.ts";

const CONFIG = "cors";
/** AWS's limit on rules per bucket. */
const MAX_RULES = 100;

export function bucketCors(b: BucketEntry): CorsRule[] | undefined {
  return bucketConfig<CorsRule[]>(b, CONFIG) ?? undefined;
}

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}

function texts(v: XmlValue): string[] {
  return xmlList(v).map((x) => xmlToken(x) ?? "");
}

function oneWildcard(kind: string, values: string[]): void {
  for (const v of values) {
    if (v.split("*").length > 2) {
      throw new S3Error("InvalidRequest", `${kind} "${v}" can not have more than one wildcard.`);
    }
  }
}

export function parseCorsRule(r: XmlValue): CorsRule {
  const o = typeof r === "object" && r !== null && !Array.isArray(r) ? r : {};
  const rule: CorsRule = {
    allowedOrigins: texts(o.AllowedOrigin),
    allowedMethods: texts(o.AllowedMethod),
    allowedHeaders: texts(o.AllowedHeader),
    exposeHeaders: texts(o.ExposeHeader),
  };
  if (!rule.allowedOrigins.length) throw malformed("each CORSRule needs an AllowedOrigin");
  if (!rule.allowedMethods.length) throw malformed("each CORSRule needs an AllowedMethod");
  for (const m of rule.allowedMethods) {
    if (!CORS_METHODS.includes(m)) {
      throw new S3Error(
        "InvalidRequest",
        `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`,
      );
    }
  }
  oneWildcard("AllowedOrigin", rule.allowedOrigins);
  oneWildcard("AllowedHeader", rule.allowedHeaders);
  const id = xmlText(o.ID);
  if (id !== undefined) {
    if (id.length > 255) {
      throw new S3Error("InvalidArgument", "The ID of a CORSRule is at most 255 characters.");
    }
    rule.id = id;
  }
  const age = xmlToken(o.MaxAgeSeconds);
  if (age !== undefined) {
    if (!/^\d{1,10}$/.test(age)) throw malformed("MaxAgeSeconds must be a whole number");
    rule.maxAgeSeconds = Number(age);
  }
  return rule;
}

export async function putBucketCors(ctx: BucketContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "CORSConfiguration",
  );
  const rules = xmlList(doc.CORSRule).map(parseCorsRule);
  if (!rules.length) throw malformed("a CORSConfiguration holds at least one CORSRule");
  if (rules.length > MAX_RULES) {
    throw new S3Error(
      "InvalidRequest",
      `A CORS configuration holds at most ${MAX_RULES} rules; this one has ${rules.length}.`,
    );
  }
  await setBucketConfig(ctx.deps.model, ctx.bucket, CONFIG, rules);
  return new Response(null, { status: 200 });
}

export function getBucketCors(ctx: BucketContext): Response {
  const rules = bucketCors(ctx.bucket);
  if (!rules) {
    throw new S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", {
      BucketName: ctx.bucketName,
    });
  }
  return xmlResponse("CORSConfiguration", {
    CORSRule: rules.map((r) => ({
      ID: r.id,
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
  });
}

export async function deleteBucketCors(ctx: BucketContext): Promise<Response> {
  if (bucketCors(ctx.bucket)) await setBucketConfig(ctx.deps.model, ctx.bucket, CONFIG, null);
  return new Response(null, { status: 204 });
}

/**
 * Answers a preflight for a bucket. `undefined` is a name that is no global alias: it may be
 * a key's local alias, which an unauthenticated request cannot resolve, so it is let through
 * (as Garage does) rather than breaking browser apps that use local names.
 */
export function preflight(req: Request, bucket: BucketEntry | undefined): Response {
  const origin = req.headers.get("origin");
  if (!origin) {
    throw new S3Error("BadRequest", "Insufficient information. Origin request header needed.");
  }
  const method = req.headers.get("access-control-request-method");
  if (!method) {
    throw new S3Error(
      "BadRequest",
      "Insufficient information. Access-Control-Request-Method request header needed.",
    );
  }
  if (!bucket) {
    return new Response(null, {
      status: 200,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": CORS_METHODS.join(", "),
        "access-control-allow-headers": req.headers.get("access-control-request-headers") ?? "",
      },
    });
  }
  const rules = bucketCors(bucket);
  if (!rules) {
    throw new S3Error("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
  }
  const headers = requestedHeaders(req.headers.get("access-control-request-headers"));
  const rule = matchingRule(rules, origin, method, headers);
  if (!rule) {
    throw new S3Error(
      "AccessForbidden",
      "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  }
  return new Response(null, { status: 200, headers: corsHeaders(rule, origin, { headers }) });
}

/** Adds the headers of the rule that allows a browser's request, if one does. */
export function addCorsHeaders(res: Response, req: Request, bucket: BucketEntry): void {
  const origin = req.headers.get("origin");
  if (!origin) return;
  const rules = bucketCors(bucket);
  const rule = rules && matchingRule(rules, origin, req.method);
  if (!rule) return;
  for (const [name, value] of Object.entries(corsHeaders(rule, origin))) {
    res.headers.set(name, value);
  }
}
