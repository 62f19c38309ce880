/** Which operation a request is, from its method, sub-resources and headers, and the right it needs. */
import type { HeaderReader } from "../util/header_map.ts";
import type { BucketPermission } from "../model/tables/permission.ts";
import type { Query, QueryParams } from "../util/target.ts";
import { getObjectAttributes } from "./attributes.ts";
import { deleteBucketHandler, getBucketLocation, headBucket } from "./bucket.ts";
import { getBucketAcl, getObjectAcl, putBucketAcl, putObjectAcl } from "./acl.ts";
import type { ObjectContext } from "./context.ts";
import { copyObject, uploadPartCopy } from "./copy.ts";
import { deleteBucketCors, getBucketCors, putBucketCors } from "./cors.ts";
import { deleteObject, deleteObjects } from "./delete.ts";
import { S3Error } from "../api/error.ts";
import { getObject } from "../api/object_read.ts";
import { deleteBucketLifecycle, getBucketLifecycle, putBucketLifecycle } from "./lifecycle.ts";
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
import { getBucketVersioning, putBucketVersioning } from "./versioning.ts";
import {
  getObjectLegalHold,
  getObjectLockConfiguration,
  getObjectRetention,
  putObjectLegalHold,
  putObjectLockConfiguration,
  putObjectRetention,
} from "./object_lock.ts";
import {
  deleteBucketTagging,
  deleteObjectTagging,
  getBucketTagging,
  getObjectTagging,
  putBucketTagging,
  putObjectTagging,
} from "./tagging.ts";
import { deleteBucketWebsite, getBucketWebsite, putBucketWebsite } from "./website.ts";
import {
  deleteBucketPolicy,
  deletePublicAccessBlock,
  getBucketPolicy,
  getBucketPolicyStatus,
  getPublicAccessBlock,
  putBucketPolicy,
  putPublicAccessBlock,
} from "./policy.ts";

export type Need = keyof BucketPermission | "none";

export interface Route {
  name: string;
  need: Need;
  run: (ctx: ObjectContext) => Response | Promise<Response>;
}

/** Sub-resources S3 defines that Remise does not implement: 501, never a wrong success. */
const UNSUPPORTED = new Set([
  "accelerate",
  "analytics",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "logging",
  "metrics",
  "notification",
  "ownershipControls",
  "replication",
  "requestPayment",
  "restore",
  "select",
  "torrent",
]);

/** A sub-resource of the query this server does not implement, if the query names one. */
export function unsupportedSubresource(q: QueryParams): string | undefined {
  for (const name of q.keys()) if (UNSUPPORTED.has(name)) return name;
}

export function bucketRoute(method: string, q: Query): Route | undefined {
  const has = (k: string) => q.has(k);
  // ?attributes names an object operation: on a bucket it is no listing.
  if (has("attributes")) throw misplaced("attributes", "a bucket");
  switch (method) {
    case "GET":
      if (has("location")) {
        return { name: "GetBucketLocation", need: "none", run: getBucketLocation };
      }
      if (has("versioning")) {
        return { name: "GetBucketVersioning", need: "read", run: getBucketVersioning };
      }
      if (has("policyStatus")) {
        return { name: "GetBucketPolicyStatus", need: "owner", run: getBucketPolicyStatus };
      }
      if (has("policy")) return { name: "GetBucketPolicy", need: "owner", run: getBucketPolicy };
      if (has("publicAccessBlock")) {
        return { name: "GetPublicAccessBlock", need: "owner", run: getPublicAccessBlock };
      }
      if (has("acl")) return { name: "GetBucketAcl", need: "read", run: getBucketAcl };
      if (has("object-lock")) {
        return {
          name: "GetObjectLockConfiguration",
          need: "read",
          run: getObjectLockConfiguration,
        };
      }
      if (has("tagging")) return { name: "GetBucketTagging", need: "read", run: getBucketTagging };
      if (has("website")) return { name: "GetBucketWebsite", need: "read", run: getBucketWebsite };
      if (has("cors")) return { name: "GetBucketCors", need: "read", run: getBucketCors };
      if (has("lifecycle")) {
        return { name: "GetBucketLifecycleConfiguration", need: "read", run: getBucketLifecycle };
      }
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
    case "PUT":
      if (has("acl")) return { name: "PutBucketAcl", need: "owner", run: putBucketAcl };
      if (has("policy")) return { name: "PutBucketPolicy", need: "owner", run: putBucketPolicy };
      if (has("publicAccessBlock")) {
        return { name: "PutPublicAccessBlock", need: "owner", run: putPublicAccessBlock };
      }
      if (has("versioning")) {
        return { name: "PutBucketVersioning", need: "owner", run: putBucketVersioning };
      }
      if (has("object-lock")) {
        return {
          name: "PutObjectLockConfiguration",
          need: "owner",
          run: putObjectLockConfiguration,
        };
      }
      if (has("tagging")) return { name: "PutBucketTagging", need: "owner", run: putBucketTagging };
      if (has("website")) return { name: "PutBucketWebsite", need: "owner", run: putBucketWebsite };
      if (has("cors")) return { name: "PutBucketCors", need: "owner", run: putBucketCors };
      if (has("lifecycle")) {
        return { name: "PutBucketLifecycleConfiguration", need: "owner", run: putBucketLifecycle };
      }
      return undefined;
    case "DELETE":
      if (has("policy")) {
        return { name: "DeleteBucketPolicy", need: "owner", run: deleteBucketPolicy };
      }
      if (has("publicAccessBlock")) {
        return { name: "DeletePublicAccessBlock", need: "owner", run: deletePublicAccessBlock };
      }
      if (has("website")) {
        return { name: "DeleteBucketWebsite", need: "owner", run: deleteBucketWebsite };
      }
      if (has("cors")) return { name: "DeleteBucketCors", need: "owner", run: deleteBucketCors };
      if (has("tagging")) {
        return { name: "DeleteBucketTagging", need: "owner", run: deleteBucketTagging };
      }
      if (has("lifecycle")) {
        return { name: "DeleteBucketLifecycle", need: "owner", run: deleteBucketLifecycle };
      }
      return { name: "DeleteBucket", need: "owner", run: deleteBucketHandler };
    case "POST":
      if (has("delete")) return { name: "DeleteObjects", need: "write", run: deleteObjects };
      return undefined;
  }
  return undefined;
}

/** Sub-resources of a bucket: named on an object they are a mistake, never a read or write of it. */
const BUCKET_ONLY = [
  "cors",
  "website",
  "lifecycle",
  "versioning",
  "versions",
  "location",
  "delete",
  "object-lock",
  "policy",
  "policyStatus",
  "publicAccessBlock",
];

/** The methods an object sub-resource goes with; any other is no operation on the object. */
const OBJECT_SUBRESOURCE_METHODS: Record<string, string[]> = {
  attributes: ["GET", "HEAD"],
  acl: ["GET", "HEAD", "PUT"],
  uploads: ["POST"],
  partNumber: ["GET", "HEAD", "PUT"],
  retention: ["GET", "PUT"],
  "legal-hold": ["GET", "PUT"],
  tagging: ["GET", "PUT", "DELETE"],
};

/** Sub-resources that a PUT to a bucket may not carry: it is then no CreateBucket. */
const NOT_CREATE_BUCKET = [
  ...BUCKET_ONLY,
  ...Object.keys(OBJECT_SUBRESOURCE_METHODS),
  "uploadId",
  "versionId",
];

function misplaced(sub: string, where: string): S3Error {
  return new S3Error("InvalidRequest", `The ?${sub} sub-resource does not apply to ${where}.`);
}

/** PUT on a bucket that is no configuration write: a CreateBucket, unless it names another. */
export function checkCreateBucketQuery(q: Query): void {
  const sub = NOT_CREATE_BUCKET.find((k) => q.has(k));
  if (sub) throw misplaced(sub, "PUT on a bucket");
}

export function objectRoute(method: string, q: Query, h: HeaderReader): Route | undefined {
  const has = (k: string) => q.has(k);
  const sub = BUCKET_ONLY.find(has);
  if (sub) throw misplaced(sub, "an object");
  for (const [name, methods] of Object.entries(OBJECT_SUBRESOURCE_METHODS)) {
    if (has(name) && !methods.includes(method)) return undefined;
  }
  switch (method) {
    case "GET":
      if (has("attributes")) {
        return { name: "GetObjectAttributes", need: "read", run: getObjectAttributes };
      }
      if (has("uploadId")) return { name: "ListParts", need: "read", run: listParts };
      if (has("acl")) return { name: "GetObjectAcl", need: "read", run: getObjectAcl };
      if (has("retention")) {
        return { name: "GetObjectRetention", need: "read", run: getObjectRetention };
      }
      if (has("legal-hold")) {
        return { name: "GetObjectLegalHold", need: "read", run: getObjectLegalHold };
      }
      if (has("tagging")) return { name: "GetObjectTagging", need: "read", run: getObjectTagging };
      return { name: "GetObject", need: "read", run: (c) => getObject(c, false) };
    case "HEAD":
      return { name: "HeadObject", need: "read", run: (c) => getObject(c, true) };
    case "PUT":
      if (has("acl")) return { name: "PutObjectAcl", need: "write", run: putObjectAcl };
      if (has("retention")) {
        return { name: "PutObjectRetention", need: "write", run: putObjectRetention };
      }
      if (has("legal-hold")) {
        return { name: "PutObjectLegalHold", need: "write", run: putObjectLegalHold };
      }
      if (has("tagging")) return { name: "PutObjectTagging", need: "write", run: putObjectTagging };
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
      if (has("tagging")) {
        return { name: "DeleteObjectTagging", need: "write", run: deleteObjectTagging };
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
