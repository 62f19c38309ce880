/**
 * CORS as a bucket's rules apply it, on the S3 and website endpoints alike: preflight requests
 * (OPTIONS, unauthenticated) and the headers that let a browser read an answer.
 */
import type { BucketEntry } from "../model/tables/bucket.ts";
import { bucketConfig } from "../model/buckets/bucket_ops.ts";
import {
  CORS_METHODS,
  corsHeaders,
  type CorsRule,
  matchingRule,
  requestedHeaders,
} from "../model/buckets/cors.ts";
import { S3Error } from "./error.ts";

/** The name of a bucket's CORS configuration among its settings. */
export const CORS = "cors";

export function bucketCors(b: BucketEntry): CorsRule[] | undefined {
  return bucketConfig<CorsRule[]>(b, CORS) ?? undefined;
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
