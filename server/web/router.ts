/**
 * The website endpoint: anonymous GET and HEAD of buckets whose website access is enabled,
 * the bucket chosen from the Host header (a name under `root_domain`, or a whole host that is
 * a global alias). Errors are small HTML pages, as S3's website endpoints answer them.
 */
import type { BucketEntry } from "../model/tables/bucket.ts";
import { resolveBucket } from "../model/buckets/bucket_ops.ts";
import type { ApiDeps } from "../api/response.ts";
import { identify } from "../api/response.ts";
import { addCorsHeaders, preflight } from "../api/cors.ts";
import { S3Error } from "../api/error.ts";
import { toS3Error, unlessNotYetKnown } from "../api/error_response.ts";
import { escapeXml } from "../api/xml.ts";
import { bucketOfHost, hostName } from "../util/host.ts";
import { randomHex } from "../util/ids.ts";
import { log } from "../util/log.ts";
import { RequestTarget } from "../util/target.ts";
import { HeaderMap } from "../util/header_map.ts";
import { serveSite } from "./site.ts";

export interface WebOptions {
  rootDomain?: string;
  defaultIndex: string;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  416: "Requested Range Not Satisfiable",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function errorPage(e: S3Error, requestId: string, head: boolean): Response {
  const title = `${e.status} ${REASONS[e.status] ?? "Error"}`;
  const items = [["Code", e.code], ["Message", e.message], ...Object.entries(e.extra), [
    "RequestId",
    requestId,
  ]];
  const body = `<html><head><title>${title}</title></head><body><h1>${title}</h1><ul>${
    items.map(([k, v]) => `<li>${k}: ${escapeXml(v)}</li>`).join("")
  }</ul><hr/></body></html>\n`;
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8" };
  if (e.status === 405) headers.allow = "GET, HEAD, OPTIONS";
  if (e.status === 503) headers["retry-after"] = "1";
  if (e.code === "InvalidRange" && e.extra.ActualObjectSize) {
    headers["content-range"] = `bytes */${e.extra.ActualObjectSize}`;
  }
  return new Response(head ? null : body, { status: e.status, headers });
}

export function createWebHandler(deps: ApiDeps, opts: WebOptions) {
  const { model, metrics } = deps;
  const idPrefix = randomHex(4).toUpperCase();
  let served = 0;

  return async (req: Request): Promise<Response> => {
    const started = performance.now();
    const requestId = idPrefix + (++served).toString(16).toUpperCase().padStart(8, "0");
    const url = new RequestTarget(req.url);
    const host = req.headers.get("host") ?? url.host;
    let res: Response;
    let bucket: BucketEntry | undefined;
    try {
      const name = hostName(host);
      bucket = resolveBucket(model, bucketOfHost(name, opts.rootDomain) ?? name);
      if (!bucket) {
        throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
          BucketName: name,
        });
      }
      const website = bucket.website.v;
      if (!website) {
        throw new S3Error(
          "NoSuchWebsiteConfiguration",
          "The specified bucket does not have a website configuration",
          { BucketName: name },
        );
      }
      if (req.method === "OPTIONS") res = preflight(req, bucket);
      else if (req.method !== "GET" && req.method !== "HEAD") {
        throw new S3Error(
          "MethodNotAllowed",
          `The ${req.method} method is not allowed here: a website is read with GET and HEAD.`,
        );
      } else {
        res = await serveSite({
          deps,
          req,
          headers: new HeaderMap(req.headers),
          url,
          requestId,
          bucket,
          website,
          defaultIndex: opts.defaultIndex,
          host,
        });
      }
    } catch (e) {
      const err = unlessNotYetKnown(toS3Error(e), deps.sys);
      if (err.status >= 500) log.warn("website request failed", { error: e });
      res = errorPage(err, requestId, req.method === "HEAD");
      req.body?.cancel().catch(() => {});
    }
    if (bucket && req.method !== "OPTIONS") addCorsHeaders(res, req, bucket);
    identify(res, requestId);
    metrics.inc("web_request_total", "Website requests received", {
      method: req.method,
      status_code: String(res.status),
    });
    metrics.observe(
      "web_request_duration_seconds",
      "Website request duration until headers are sent",
      {},
      (performance.now() - started) / 1000,
    );
    return res;
  };
}
