/**
 * The S3 endpoint: finds bucket and key (path-style or virtual-host), authenticates, picks the
 * operation from method and sub-resource, checks the key's rights, and turns every failure
 * into S3 error XML.
 */
import { getKey, ModelError, permissionOf, resolveBucket } from "../model/bucket_ops.ts";
import type { BucketPermission } from "../model/permission.ts";
import { QuorumError } from "../rpc/rpc.ts";
import { randomHex } from "../util/ids.ts";
import { log } from "../util/log.ts";
import { authenticate } from "./auth/signature.ts";
import {
  createBucketHandler,
  deleteBucketHandler,
  getBucketAcl,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
} from "./bucket.ts";
import type { BucketContext, ObjectContext, S3Context, S3Deps } from "./context.ts";
import { copyObject, uploadPartCopy } from "./copy.ts";
import { deleteObject, deleteObjects } from "./delete.ts";
import { S3Error } from "./error.ts";
import { getObject } from "./get.ts";
import { validateKey } from "./keys.ts";
import {
  listMultipartUploads,
  listObjectsV1,
  listObjectsV2,
  listObjectVersions,
  listParts,
} from "./list.ts";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
} from "./multipart.ts";
import { putObject } from "./put.ts";
import { escapeXml } from "./xml.ts";

type Need = keyof BucketPermission | "none";

interface Route {
  name: string;
  need: Need;
  run: (ctx: ObjectContext) => Response | Promise<Response>;
}

/** Sub-resources S3 defines that Remise does not implement: 501, never a wrong success. */
const UNSUPPORTED = [
  "accelerate",
  "analytics",
  "cors",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "tagging",
  "torrent",
  "website",
  "attributes",
];

/** Rights come from key permissions (admin API), not ACLs: changing an ACL is refused. */
function aclsNotImplemented(): Response {
  throw new S3Error(
    "NotImplemented",
    "ACLs cannot be changed on this server: permissions are granted per access key through the admin API.",
  );
}

function bucketRoute(method: string, q: URLSearchParams): Route | undefined {
  const has = (k: string) => q.has(k);
  switch (method) {
    case "GET":
      if (has("location")) {
        return { name: "GetBucketLocation", need: "none", run: getBucketLocation };
      }
      if (has("versioning")) {
        return { name: "GetBucketVersioning", need: "read", run: getBucketVersioning };
      }
      if (has("acl")) return { name: "GetBucketAcl", need: "read", run: getBucketAcl };
      if (has("uploads")) {
        return { name: "ListMultipartUploads", need: "read", run: listMultipartUploads };
      }
      if (has("versions")) {
        return { name: "ListObjectVersions", need: "read", run: listObjectVersions };
      }
      if (q.get("list-type") === "2") {
        return { name: "ListObjectsV2", need: "read", run: listObjectsV2 };
      }
      if (has("list-type")) {
        throw new S3Error("InvalidArgument", "Invalid list type", {
          ArgumentName: "list-type",
          ArgumentValue: q.get("list-type")!,
        });
      }
      return { name: "ListObjects", need: "read", run: listObjectsV1 };
    case "HEAD":
      return { name: "HeadBucket", need: "none", run: headBucket };
    case "DELETE":
      return { name: "DeleteBucket", need: "owner", run: deleteBucketHandler };
    case "POST":
      if (has("delete")) return { name: "DeleteObjects", need: "write", run: deleteObjects };
      return undefined;
  }
  return undefined;
}

function objectRoute(method: string, q: URLSearchParams, h: Headers): Route | undefined {
  const has = (k: string) => q.has(k);
  switch (method) {
    case "GET":
      if (has("uploadId")) return { name: "ListParts", need: "read", run: listParts };
      if (has("acl")) return { name: "GetObjectAcl", need: "read", run: getBucketAcl };
      return { name: "GetObject", need: "read", run: (c) => getObject(c, false) };
    case "HEAD":
      return { name: "HeadObject", need: "read", run: (c) => getObject(c, true) };
    case "PUT":
      if (has("acl")) return { name: "PutObjectAcl", need: "owner", run: aclsNotImplemented };
      if (has("partNumber") || has("uploadId")) {
        return h.has("x-amz-copy-source")
          ? { name: "UploadPartCopy", need: "write", run: uploadPartCopy }
          : { name: "UploadPart", need: "write", run: uploadPart };
      }
      if (h.has("x-amz-copy-source")) return { name: "CopyObject", need: "write", run: copyObject };
      return { name: "PutObject", need: "write", run: putObject };
    case "DELETE":
      if (has("uploadId")) {
        return { name: "AbortMultipartUpload", need: "write", run: abortMultipartUpload };
      }
      return { name: "DeleteObject", need: "write", run: deleteObject };
    case "POST":
      if (has("uploads")) {
        return { name: "CreateMultipartUpload", need: "write", run: createMultipartUpload };
      }
      if (has("uploadId")) {
        return { name: "CompleteMultipartUpload", need: "write", run: completeMultipartUpload };
      }
      return undefined;
  }
  return undefined;
}

/** Bucket and key from the Host header (virtual-host style) or the path (path style). */
export function locate(
  url: URL,
  host: string | null,
  rootDomain?: string,
): { bucket?: string; key?: string } {
  const hostname = (host ?? url.host).replace(/:\d+$/, "").toLowerCase();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
  };
  const path = url.pathname;
  if (rootDomain) {
    const suffix = rootDomain.startsWith(".") ? rootDomain : "." + rootDomain;
    if (hostname.endsWith(suffix) && hostname.length > suffix.length) {
      const key = path.length > 1 ? decode(path.slice(1)) : undefined;
      return { bucket: hostname.slice(0, -suffix.length), key };
    }
  }
  const rest = path.slice(1);
  if (rest === "") return {};
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: decode(rest) };
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash)), key: key === "" ? undefined : decode(key) };
}

function errorResponse(e: S3Error, resource: string, requestId: string, head: boolean): Response {
  const extra = Object.entries(e.extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join("");
  const body = head
    ? null
    : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${e.code}</Code><Message>${
      escapeXml(e.message)
    }</Message>${extra}<Resource>${
      escapeXml(resource)
    }</Resource><RequestId>${requestId}</RequestId></Error>`;
  const headers: Record<string, string> = { "content-type": "application/xml" };
  if (e.code === "InvalidRange" && e.extra.ActualObjectSize) {
    headers["content-range"] = `bytes */${e.extra.ActualObjectSize}`;
  }
  return new Response(body, { status: e.status, headers });
}

function toS3Error(e: unknown): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof ModelError) {
    const code = {
      invalidName: "InvalidBucketName",
      aliasTaken: "BucketAlreadyExists",
      noSuchBucket: "NoSuchBucket",
      noSuchKey: "InvalidAccessKeyId",
      bucketNotEmpty: "BucketNotEmpty",
      badRequest: "InvalidRequest",
    } as const;
    return new S3Error(code[e.kind], e.message);
  }
  if (e instanceof QuorumError) {
    return new S3Error(
      "ServiceUnavailable",
      `Not enough storage nodes answered: ${e.message}. Retry once the cluster is healthy.`,
    );
  }
  log.error("internal error in S3 request", { error: e, stack: (e as Error)?.stack });
  return new S3Error("InternalError", "We encountered an internal error. Please try again.");
}

export function createS3Handler(deps: S3Deps): (req: Request) => Promise<Response> {
  const { sys, model, metrics } = deps;
  const region = sys.config.s3Api.s3Region;
  const lookup = (id: string) => Promise.resolve(getKey(model, id)?.secret);

  return async (req) => {
    const started = performance.now();
    log.debug("s3 begin", { method: req.method, path: new URL(req.url).pathname });
    const requestId = randomHex(8).toUpperCase();
    const url = new URL(req.url);
    let op = "Unknown";
    let res: Response;
    let bytesIn = 0;
    try {
      if (!sys.role) {
        throw new S3Error(
          "ServiceUnavailable",
          "This node has no role in the cluster layout yet: assign it one (`layout assign`, then `layout apply`) and retry.",
        );
      }
      const auth = await authenticate({ method: req.method, url, headers: req.headers }, {
        region,
        lookup,
      });
      if (!auth) {
        throw new S3Error(
          "AccessDenied",
          "Anonymous access is not allowed: sign the request with an access key.",
        );
      }
      const apiKey = getKey(model, auth.accessKeyId)!;
      const loc = locate(url, req.headers.get("host"), sys.config.s3Api.rootDomain);
      const base: S3Context = {
        deps,
        req,
        url,
        query: url.searchParams,
        requestId,
        bucketName: loc.bucket,
        key: loc.key,
        auth,
        apiKey,
        bytesIn: 0,
      };
      const sub = UNSUPPORTED.find((s) => url.searchParams.has(s));
      if (sub) {
        op = `Unsupported:${sub}`;
        throw new S3Error(
          "NotImplemented",
          `The ?${sub} sub-resource is not implemented by this server.`,
        );
      }
      if (loc.bucket === undefined) {
        if (req.method !== "GET") {
          throw new S3Error(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
          );
        }
        op = "ListBuckets";
        res = listBuckets(base);
      } else if (loc.key === undefined && req.method === "PUT") {
        op = "CreateBucket";
        if (url.searchParams.has("acl") || url.searchParams.has("versioning")) {
          throw new S3Error(
            "NotImplemented",
            "Bucket ACLs and versioning cannot be changed on this server.",
          );
        }
        res = await createBucketHandler(base as S3Context & { bucketName: string });
      } else {
        const route = loc.key === undefined
          ? bucketRoute(req.method, url.searchParams)
          : objectRoute(req.method, url.searchParams, req.headers);
        if (!route) {
          if (req.method === "POST" && loc.key === undefined) {
            throw new S3Error(
              "NotImplemented",
              "POST object uploads (HTML forms) are not implemented yet.",
            );
          }
          throw new S3Error(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
          );
        }
        op = route.name;
        if (loc.key !== undefined) validateKey(loc.key);
        const bucket = resolveBucket(model, loc.bucket, apiKey);
        if (!bucket) {
          throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
            BucketName: loc.bucket,
          });
        }
        const perm = permissionOf(apiKey, bucket.id);
        const allowed = route.need === "none"
          ? perm.read || perm.write || perm.owner
          : perm[route.need];
        if (!allowed) {
          throw new S3Error(
            "AccessDenied",
            `Access Denied: this key has no ${
              route.need === "none" ? "" : route.need + " "
            }permission on bucket ${loc.bucket}.`,
          );
        }
        const ctx = { ...base, bucketName: loc.bucket, bucket } as BucketContext as ObjectContext;
        res = await route.run(ctx);
        bytesIn = ctx.bytesIn;
      }
    } catch (e) {
      const err = toS3Error(e);
      metrics.inc("s3_error_total", "S3 requests answered with an error", {
        api_endpoint: op,
        status_code: String(err.status),
      });
      res = errorResponse(err, url.pathname, requestId, req.method === "HEAD");
      // A refused body still sits in the connection: drain it so the connection stays usable.
      req.body?.cancel().catch(() => {});
    }
    res.headers.set("x-amz-request-id", requestId);
    res.headers.set("x-amz-id-2", requestId);
    res.headers.set("server", "Remise");
    log.debug("s3", {
      op,
      method: req.method,
      path: url.pathname,
      status: res.status,
      ms: Math.round(performance.now() - started),
    });
    metrics.inc("s3_request_total", "S3 requests received", { api_endpoint: op });
    metrics.observe("s3_request_duration_seconds", "S3 request duration until headers are sent", {
      api_endpoint: op,
    }, (performance.now() - started) / 1000);
    if (bytesIn) metrics.inc("s3_bytes_in_total", "Object bytes received", {}, bytesIn);
    const len = Number(res.headers.get("content-length") ?? 0);
    if (len && req.method === "GET") {
      metrics.inc("s3_bytes_out_total", "Object bytes sent", {}, len);
    }
    return res;
  };
}
