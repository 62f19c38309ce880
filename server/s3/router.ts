/**
 * The S3 endpoint: finds bucket and key (path-style or virtual-host), authenticates, picks the
 * operation from method and sub-resource, checks the key's rights, and turns every failure
 * into S3 error XML.
 */
import type { BucketEntry } from "../model/tables/bucket.ts";
import { getKey, resolveBucket } from "../model/buckets/bucket_ops.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import { authorize, refuseExpired } from "./access.ts";
import { requestedAcl } from "./acl.ts";
import { currentVersion } from "../api/object_read.ts";
import { randomHex } from "../util/ids.ts";
import { HeaderMap } from "../util/header_map.ts";
import { log } from "../util/log.ts";
import { RequestTarget } from "../util/target.ts";
import { authenticate } from "../api/auth/signature.ts";
import { createBucketHandler, listBuckets } from "./bucket.ts";
import { type BucketContext, type ObjectContext, type S3Context } from "./context.ts";
import { type ApiDeps, identify } from "../api/response.ts";
import { addCorsHeaders, preflight } from "../api/cors.ts";
import { S3Error } from "../api/error.ts";
import { formBoundary } from "./form.ts";
import { postObject } from "./post_object.ts";
import { errorResponse, storageFull, toS3Error, unlessNotYetKnown } from "../api/error_response.ts";
import { validateKey } from "../api/keys.ts";
import { locate } from "./locate.ts";
import {
  bucketRoute,
  checkCreateBucketQuery,
  objectRoute,
  unsupportedSubresource,
} from "./routes.ts";
import {
  checkVersionId,
  isObjectWrite,
  refuseUnsupportedBucket,
  refuseUnsupportedWrite,
} from "./unsupported.ts";

/** Operations that store new object data: refused while a disk of this node is in its reserve. */
const BRINGS_DATA = new Set([
  "PutObject",
  "CopyObject",
  "UploadPart",
  "UploadPartCopy",
  "CreateMultipartUpload",
]);

export function createS3Handler(deps: ApiDeps): (req: Request) => Promise<Response> {
  const { sys, metrics } = deps;
  // Request ids need only be unique: a per-process prefix and a counter.
  const idPrefix = randomHex(4).toUpperCase();
  let served = 0;

  return async (req) => {
    const started = performance.now();
    const requestId = idPrefix + (++served).toString(16).toUpperCase().padStart(8, "0");
    const url = new RequestTarget(req.url);
    if (req.method === "OPTIONS") return preflightFor(deps, req, url, requestId);
    log.debug("s3 begin", { method: req.method, path: url.pathname });
    /** What is known of the request as it goes: the metrics and CORS need it, failed or not. */
    const t: Trace = { op: "Unknown", bytesIn: 0, bytesOut: 0 };
    let res: Response;
    try {
      if (!sys.role) {
        throw new S3Error(
          "ServiceUnavailable",
          "This node has no role in the cluster layout yet: assign it one (`layout assign`, then `layout apply`) and retry.",
        );
      }
      const post = postForm(deps, req, url);
      if (post) {
        t.op = "PostObject";
        const full = sys.diskFull();
        if (full) throw storageFull(full);
        const r = await postObject(deps, req, post.bucket, post.boundary);
        res = r.res;
        t.bucket = r.bucket;
        t.bytesIn = r.bytesIn;
      } else {
        res = await serveRequest(deps, req, url, requestId, t);
      }
    } catch (e) {
      const err = unlessNotYetKnown(toS3Error(e), sys);
      metrics.inc("s3_error_total", "S3 requests answered with an error", {
        api_endpoint: t.op,
        status_code: String(err.status),
      });
      metrics.recentErrors.add({
        at: Date.now(),
        api: "s3",
        operation: t.op,
        method: req.method,
        path: url.pathname,
        status: err.status,
        code: err.code,
        message: err.message,
      });
      res = errorResponse(err, url.pathname, requestId, req.method === "HEAD");
      // A refused body still sits in the connection: drain it so the connection stays usable.
      req.body?.cancel().catch(() => {});
    }
    if (req.headers.has("origin")) {
      // A browser reads an error only with CORS headers: find the bucket if no handler did.
      const corsBucket = t.bucket ?? globalBucket(deps, url, req.headers.get("host"));
      if (corsBucket) addCorsHeaders(res, req, corsBucket);
    }
    identify(res, requestId);
    const elapsed = performance.now() - started;
    const { op, bytesIn, bytesOut } = t;
    log.debug("s3", {
      op,
      method: req.method,
      path: url.pathname,
      status: res.status,
      ms: Math.round(elapsed),
    });
    metrics.inc("s3_request_total", "S3 requests received", { api_endpoint: op });
    if (t.bucket) metrics.countBucket(t.bucket.id, res.status >= 400);
    metrics.observe("s3_request_duration_seconds", "S3 request duration until headers are sent", {
      api_endpoint: op,
    }, elapsed / 1000);
    if (bytesIn) metrics.inc("s3_bytes_in_total", "Object bytes received", {}, bytesIn);
    if (bytesOut) metrics.inc("s3_bytes_out_total", "Object bytes sent", {}, bytesOut);
    return res;
  };
}

/** What the router learns of a request as it goes: the operation, its bucket, the bytes moved. */
interface Trace {
  op: string;
  /** The bucket whose CORS rules answer a browser, once known. */
  bucket?: BucketEntry;
  bytesIn: number;
  bytesOut: number;
}

/** A request: authenticated (or anonymous), then ListBuckets, CreateBucket or a bucket's operation. */
async function serveRequest(
  deps: ApiDeps,
  req: Request,
  url: RequestTarget,
  requestId: string,
  t: Trace,
): Promise<Response> {
  const { sys, model } = deps;
  const headers = new HeaderMap(req.headers);
  const region = sys.config.s3Api.s3Region;
  const signed = await authenticate({ method: req.method, url, headers }, {
    region,
    lookup: (id) => getKey(model, id)?.secret,
  });
  const apiKey = signed ? getKey(model, signed.accessKeyId)! : undefined;
  if (apiKey) refuseExpired(apiKey);
  const loc = locate(url, req.headers.get("host"), sys.config.s3Api.rootDomain);
  const base: S3Context = {
    deps,
    req,
    headers,
    url,
    query: url.searchParams,
    requestId,
    bucketName: loc.bucket,
    key: loc.key,
    auth: signed ?? { accessKeyId: "", payload: { kind: "unsigned" }, region, signedHeaders: [] },
    apiKey,
    bytesIn: 0,
    bytesOut: 0,
  };
  const sub = url.search ? unsupportedSubresource(url.searchParams) : undefined;
  if (sub) {
    t.op = `Unsupported:${sub}`;
    throw new S3Error(
      "NotImplemented",
      `The ?${sub} sub-resource is not implemented by this server.`,
    );
  }
  const anonymous = () =>
    new S3Error(
      "AccessDenied",
      "Anonymous access is not allowed: sign the request with an access key.",
    );
  if (loc.bucket === undefined) {
    if (req.method !== "GET") {
      throw new S3Error(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
      );
    }
    t.op = "ListBuckets";
    if (!apiKey) throw anonymous();
    return listBuckets(base as S3Context & { apiKey: KeyEntry });
  }
  if (loc.key === undefined && req.method === "PUT" && !bucketRoute("PUT", url.searchParams)) {
    t.op = "CreateBucket";
    if (!apiKey) throw anonymous();
    checkCreateBucketQuery(url.searchParams);
    refuseUnsupportedBucket(headers);
    return await createBucketHandler(
      base as S3Context & { bucketName: string; apiKey: KeyEntry },
    );
  }
  return await serveOperation(deps, base, loc.bucket, loc.key, t);
}

/**
 * An operation on a bucket or one of its objects: allowed by the key's rights, the bucket's
 * policy or its ACL; what the server lacks refused.
 */
async function serveOperation(
  deps: ApiDeps,
  base: S3Context,
  bucketName: string,
  key: string | undefined,
  t: Trace,
): Promise<Response> {
  const { method } = base.req;
  const query = base.url.searchParams;
  const route = key === undefined
    ? bucketRoute(method, query)
    : objectRoute(method, query, base.headers);
  if (!route) {
    throw new S3Error(
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
    );
  }
  t.op = route.name;
  if (key !== undefined) validateKey(key);
  const bucket = resolveBucket(deps.model, bucketName, base.apiKey);
  if (!bucket) {
    throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
      BucketName: bucketName,
    });
  }
  if (key !== undefined) checkVersionId(query.get("versionId"));
  const caller = { key: base.apiKey, headers: base.headers, query, bucketName };
  const access = {
    cluster: deps.sys.config.s3Api.publicAccessBlock,
    model: deps.model,
  };
  let how: "key" | "grant";
  try {
    how = await authorize(access, caller, bucket, route, key);
  } catch (e) {
    // Whoever may list the bucket may learn that a key is missing, as AWS answers: a read of a
    // missing key is NoSuchKey to them even without the right to read objects.
    if (
      key !== undefined && OBJECT_READS.has(route.name) && isDenied(e) &&
      await mayList(access, caller, bucket, key)
    ) {
      await currentVersion({ deps, bucket, key });
    }
    throw e;
  }
  t.bucket = bucket;
  if (isObjectWrite(route.name)) {
    refuseUnsupportedWrite(base.headers);
    requestedAcl(base.headers, bucket, deps.sys.config);
  }
  if (BRINGS_DATA.has(route.name)) {
    const full = deps.sys.diskFull();
    if (full) throw storageFull(full);
  }
  const ctx = { ...base, bucketName, bucket } as BucketContext as ObjectContext;
  try {
    return await route.run(ctx);
  } catch (e) {
    // A caller allowed to read an object but not to list the bucket learns nothing of which
    // keys exist: a missing object is AccessDenied to it, as AWS answers.
    if (how === "grant" && isMissing(e) && !await mayList(access, caller, bucket, key)) {
      throw new S3Error("AccessDenied", "Access Denied");
    }
    throw e;
  } finally {
    t.bytesIn = ctx.bytesIn;
    t.bytesOut = ctx.bytesOut;
  }
}

/** Reads whose refusal becomes NoSuchKey for a caller allowed to list (see serveOperation). */
const OBJECT_READS = new Set(["GetObject", "HeadObject"]);

function isDenied(e: unknown): boolean {
  return e instanceof S3Error && e.code === "AccessDenied";
}

function isMissing(e: unknown): boolean {
  return e instanceof S3Error && (e.code === "NoSuchKey" || e.code === "NoSuchVersion");
}

/** Whether the caller may list the bucket, the key as prefix (what s3:prefix conditions see). */
async function mayList(
  access: Parameters<typeof authorize>[0],
  caller: Parameters<typeof authorize>[1],
  bucket: BucketEntry,
  key: string | undefined,
): Promise<boolean> {
  try {
    const listing = { ...caller, query: new URLSearchParams({ prefix: key ?? "" }) };
    await authorize(access, listing, bucket, { name: "ListObjectsV2", need: "read" });
    return true;
  } catch {
    return false;
  }
}

/** The bucket a request names by a global alias (unauthenticated requests know no other). */
function globalBucket(
  { sys, model }: ApiDeps,
  url: RequestTarget,
  host: string | null,
): BucketEntry | undefined {
  try {
    const name = locate(url, host, sys.config.s3Api.rootDomain).bucket;
    return name === undefined ? undefined : resolveBucket(model, name);
  } catch {
    return undefined;
  }
}

/** A browser form upload (PostObject): a POST of multipart/form-data to a bucket. */
function postForm({ sys }: ApiDeps, req: Request, url: RequestTarget) {
  if (req.method !== "POST" || req.headers.has("authorization")) return undefined;
  const boundary = formBoundary(req.headers.get("content-type"));
  if (boundary === undefined) return undefined;
  const loc = locate(url, req.headers.get("host"), sys.config.s3Api.rootDomain);
  return loc.bucket !== undefined && loc.key === undefined && !url.search
    ? { bucket: loc.bucket, boundary }
    : undefined;
}

/** A CORS preflight: unauthenticated, answered from the bucket's rules. */
function preflightFor(
  { sys, model, metrics }: ApiDeps,
  req: Request,
  url: RequestTarget,
  requestId: string,
): Response {
  let res: Response;
  try {
    const loc = locate(url, req.headers.get("host"), sys.config.s3Api.rootDomain);
    // ListBuckets is for every origin, as Garage answers.
    res = loc.bucket === undefined
      ? new Response(null, {
        status: 200,
        headers: { "access-control-allow-origin": "*", "access-control-allow-methods": "GET" },
      })
      : preflight(req, resolveBucket(model, loc.bucket));
  } catch (e) {
    res = errorResponse(toS3Error(e), url.pathname, requestId, false);
  }
  metrics.inc("s3_request_total", "S3 requests received", { api_endpoint: "Options" });
  identify(res, requestId);
  return res;
}
