/**
 * Requests for features Remise lacks are refused, never acknowledged and dropped: a client that
 * asked for a lock, encryption at rest or tags must not believe it got them. Refusals are the
 * ones AWS gives a bucket without the feature, or 501 NotImplemented naming it.
 */
import { isVersionId } from "../model/tables/history.ts";
import type { HeaderReader } from "../util/header_map.ts";
import { S3Error } from "../api/error.ts";

/** The operations that create an object or an upload, and so take its settings as headers. */
const OBJECT_WRITES = ["PutObject", "CopyObject", "CreateMultipartUpload", "PostObject"] as const;
export type ObjectWrite = typeof OBJECT_WRITES[number];

export function isObjectWrite(op: string): op is ObjectWrite {
  return (OBJECT_WRITES as readonly string[]).includes(op);
}

const LOCK_HEADERS = [
  "x-amz-object-lock-mode",
  "x-amz-object-lock-retain-until-date",
  "x-amz-object-lock-legal-hold",
];

/** x-amz-server-side-encryption values AWS knows; others are not even a request for a feature. */
const SSE_METHODS = ["AES256", "aws:kms", "aws:kms:dsse"];
const KMS_HEADERS = [
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-server-side-encryption-context",
  "x-amz-server-side-encryption-bucket-key-enabled",
];

function notImplemented(feature: string, header: string): S3Error {
  return new S3Error(
    "NotImplemented",
    `${feature} is not implemented by this server: the ${header} header cannot be honoured.`,
  );
}

/**
 * Refuses the headers of an object write that ask for object lock, server-side encryption with
 * managed keys (SSE-C is supported), tags or ACL grants. Canned ACLs (x-amz-acl) stay accepted:
 * media servers send them on every upload, and they change nothing until public buckets exist.
 */
export function refuseUnsupportedWrite(op: ObjectWrite, h: HeaderReader): void {
  for (const name of LOCK_HEADERS) {
    if (h.has(name)) {
      throw new S3Error(
        "InvalidRequest",
        `Bucket is missing Object Lock Configuration: object lock is not implemented by this server, so ${name} cannot be honoured.`,
      );
    }
  }
  const sse = h.get("x-amz-server-side-encryption");
  if (sse !== null) {
    if (!SSE_METHODS.includes(sse)) {
      throw new S3Error("InvalidArgument", "The encryption method specified is not supported", {
        ArgumentName: "x-amz-server-side-encryption",
        ArgumentValue: sse,
      });
    }
    throw notImplemented(
      `Server-side encryption with ${sse === "AES256" ? "S3-managed" : "KMS"} keys`,
      "x-amz-server-side-encryption",
    );
  }
  for (const name of KMS_HEADERS) {
    if (h.has(name)) throw notImplemented("Server-side encryption with KMS keys", name);
  }
  const tagging = op === "PostObject" ? "tagging" : "x-amz-tagging";
  const tags = h.get(tagging);
  if (op === "CopyObject") {
    const directive = (h.get("x-amz-tagging-directive") ?? "COPY").toUpperCase();
    if (directive !== "COPY" && directive !== "REPLACE") {
      throw new S3Error("InvalidArgument", "Unknown tagging directive.", {
        ArgumentName: "x-amz-tagging-directive",
        ArgumentValue: directive,
      });
    }
    // With COPY the source's tags are kept, and no object here has any.
    if (directive === "REPLACE" && tags) throw notImplemented("Object tagging", tagging);
  } else if (tags) throw notImplemented("Object tagging", tagging);
  for (const name of h.keys()) {
    if (name.startsWith("x-amz-grant-")) throw notImplemented("Access control grants", name);
  }
}

/** CreateBucket: a bucket with object lock cannot be made, so none is made. */
export function refuseUnsupportedBucket(h: HeaderReader): void {
  const lock = h.get("x-amz-bucket-object-lock-enabled");
  if (lock !== null && lock.trim().toLowerCase() !== "false") {
    throw notImplemented("Object lock", "x-amz-bucket-object-lock-enabled");
  }
  for (const name of h.keys()) {
    if (name.startsWith("x-amz-grant-")) throw notImplemented("Access control grants", name);
  }
}

/** A version id: "null" or one this server gives; anything else is no version id at all. */
export function checkVersionId(id: string | null | undefined, argument = "versionId"): void {
  if (id === null || id === undefined || id === "null" || isVersionId(id)) return;
  throw new S3Error("InvalidArgument", "Invalid version id specified", {
    ArgumentName: argument,
    ArgumentValue: id,
  });
}
