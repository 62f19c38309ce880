/**
 * Serving one request of a bucket's website: routing rules, index documents, the `dir` →
 * `dir/` redirect, per-object redirects, and the error document with the original status.
 */
import type { BucketEntry } from "../model/tables/bucket.ts";
import { visibleVersion } from "../model/tables/object.ts";
import {
  isSafeRedirectLocation,
  type Redirect,
  redirectAll,
  redirectOf,
  ruleBeforeLookup,
  ruleOnError,
  type WebsiteConfig,
} from "../model/buckets/website.ts";
import type { ApiDeps } from "../api/response.ts";
import { S3Error } from "../api/error.ts";
import { currentVersion, objectResponse } from "../api/object_read.ts";
import { toS3Error } from "../api/error_response.ts";
import type { HeaderReader } from "../util/header_map.ts";
import type { Query, RequestTarget } from "../util/target.ts";

/** Website requests take no sub-resources or response overrides: their query is ignored. */
const NO_QUERY: Query = { get: () => null, has: () => false };

export interface SiteRequest {
  deps: ApiDeps;
  req: Request;
  /** req's headers, read once. */
  headers: HeaderReader;
  url: RequestTarget;
  requestId: string;
  bucket: BucketEntry;
  website: WebsiteConfig;
  /** The index document when the bucket's configuration names none. */
  defaultIndex: string;
  host: string;
}

function redirectResponse(r: Redirect): Response {
  return new Response(null, { status: r.status, headers: { location: r.location } });
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path.slice(1));
  } catch {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
}

/** The object at `key` as GET or HEAD would answer it, from these headers' conditions and range. */
async function fetchObject(
  site: SiteRequest,
  key: string,
  headers = site.headers,
): Promise<Response> {
  const ctx = {
    deps: site.deps,
    headers,
    url: site.url,
    query: NO_QUERY,
    requestId: site.requestId,
    bucket: site.bucket,
    key,
    bytesOut: 0,
  };
  const v = await currentVersion(ctx);
  const moved = v.state.data.meta.headers.find(([n]) => n === "x-amz-website-redirect-location");
  // Stored before locations were checked, an unsafe one is no redirect.
  if (moved && isSafeRedirectLocation(moved[1])) {
    return redirectResponse({ status: 301, location: moved[1] });
  }
  return objectResponse(ctx, v, site.req.method === "HEAD");
}

async function exists(site: SiteRequest, key: string): Promise<boolean> {
  return visibleVersion(await site.deps.model.objects.get(site.bucket.id, key)) !== undefined;
}

/** Answers a GET or HEAD; an S3Error it throws is the site's answer when no error page applies. */
export async function serveSite(site: SiteRequest): Promise<Response> {
  const cfg = site.website;
  const all = redirectAll(cfg, site.url.pathname + site.url.search);
  if (all) return redirectResponse(all);
  const path = decodePath(site.url.pathname);
  const before = ruleBeforeLookup(cfg, path);
  if (before) return redirectResponse(redirectOf(before, path, site.host));
  const index = cfg.indexDocument || site.defaultIndex;
  const key = path === "" || path.endsWith("/") ? path + index : path;
  let failure: S3Error;
  try {
    return await fetchObject(site, key);
  } catch (e) {
    failure = toS3Error(e);
  }
  if (failure.code === "NoSuchKey" && key === path && (await exists(site, `${path}/${index}`))) {
    return redirectResponse({ status: 302, location: `${site.url.pathname}/` });
  }
  const onError = ruleOnError(cfg, path, failure.status);
  if (onError) return redirectResponse(redirectOf(onError, path, site.host));
  if (failure.status >= 400 && failure.status < 500 && cfg.errorDocument) {
    try {
      // The error page is served whole, whatever range or condition the request had.
      const page = await fetchObject(site, cfg.errorDocument, new Headers());
      if (page.status === 200) {
        return new Response(page.body, { status: failure.status, headers: page.headers });
      }
      await page.body?.cancel();
    } catch {
      // No usable error page: the error itself is the answer.
    }
  }
  throw failure;
}
