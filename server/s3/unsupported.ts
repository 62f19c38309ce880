/**
 * Requests for features Remise lacks are refused, never acknowledged and dropped: a client that
 * asked for encryption at rest or ACL grants must not believe it got them. Refusals are the
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
 * Refuses the headers of an object write that ask for server-side encryption with managed keys
 * (SSE-C is supported) or ACL grants naming users (canned ACLs are applied: see acl.ts).
 */
export function refuseUnsupportedWrite(h: HeaderReader): void {
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
  for (const name of h.keys()) {
    if (name.startsWith("x-amz-grant-")) throw notImplemented("Access control grants", name);
  }
}

/** CreateBucket: ACL grants are refused, so no bucket is made without them. */
export function refuseUnsupportedBucket(h: HeaderReader): void {
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
