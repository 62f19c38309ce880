/**
 * The S3 actions a bucket policy can name (AWS's list for S3 buckets and objects), and which of
 * them apply to the bucket and which to its objects: a statement whose actions apply to none of
 * its resources is refused, as AWS refuses it.
 */

/** Actions on the bucket itself: their resource is `arn:aws:s3:::bucket`. */
const BUCKET_ACTIONS = [
  "CreateBucket",
  "DeleteBucket",
  "DeleteBucketPolicy",
  "DeleteBucketWebsite",
  "GetAccelerateConfiguration",
  "GetAnalyticsConfiguration",
  "GetBucketAcl",
  "GetBucketCORS",
  "GetBucketLocation",
  "GetBucketLogging",
  "GetBucketNotification",
  "GetBucketObjectLockConfiguration",
  "GetBucketOwnershipControls",
  "GetBucketPolicy",
  "GetBucketPolicyStatus",
  "GetBucketPublicAccessBlock",
  "GetBucketRequestPayment",
  "GetBucketTagging",
  "GetBucketVersioning",
  "GetBucketWebsite",
  "GetEncryptionConfiguration",
  "GetIntelligentTieringConfiguration",
  "GetInventoryConfiguration",
  "GetLifecycleConfiguration",
  "GetMetricsConfiguration",
  "GetReplicationConfiguration",
  "ListBucket",
  "ListBucketMultipartUploads",
  "ListBucketVersions",
  "PutAccelerateConfiguration",
  "PutAnalyticsConfiguration",
  "PutBucketAcl",
  "PutBucketCORS",
  "PutBucketLogging",
  "PutBucketNotification",
  "PutBucketObjectLockConfiguration",
  "PutBucketOwnershipControls",
  "PutBucketPolicy",
  "PutBucketPublicAccessBlock",
  "PutBucketRequestPayment",
  "PutBucketTagging",
  "PutBucketVersioning",
  "PutBucketWebsite",
  "PutEncryptionConfiguration",
  "PutIntelligentTieringConfiguration",
  "PutInventoryConfiguration",
  "PutLifecycleConfiguration",
  "PutMetricsConfiguration",
  "PutReplicationConfiguration",
];

/** Actions on objects: their resource is `arn:aws:s3:::bucket/key`. */
const OBJECT_ACTIONS = [
  "AbortMultipartUpload",
  "BypassGovernanceRetention",
  "DeleteObject",
  "DeleteObjectTagging",
  "DeleteObjectVersion",
  "DeleteObjectVersionTagging",
  "GetObject",
  "GetObjectAcl",
  "GetObjectAttributes",
  "GetObjectLegalHold",
  "GetObjectRetention",
  "GetObjectTagging",
  "GetObjectTorrent",
  "GetObjectVersion",
  "GetObjectVersionAcl",
  "GetObjectVersionAttributes",
  "GetObjectVersionTagging",
  "GetObjectVersionTorrent",
  "ListMultipartUploadParts",
  "PutObject",
  "PutObjectAcl",
  "PutObjectLegalHold",
  "PutObjectRetention",
  "PutObjectTagging",
  "PutObjectVersionAcl",
  "PutObjectVersionTagging",
  "RestoreObject",
];

/** Actions that are not on a bucket at all (ListAllMyBuckets): valid, and never granted here. */
const ACCOUNT_ACTIONS = ["ListAllMyBuckets"];

export type ResourceKind = "bucket" | "object";

/** Every action by its lower-case name ("s3:getobject"): AWS matches action names so. */
export const ACTIONS: ReadonlyMap<string, ResourceKind | "account"> = new Map([
  ...BUCKET_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, "bucket"] as const),
  ...OBJECT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, "object"] as const),
  ...ACCOUNT_ACTIONS.map((a) => [`s3:${a.toLowerCase()}`, "account"] as const),
]);

/** Whether `text` matches a pattern of `*` (any run) and `?` (any one character). */
export function globMatch(pattern: string, text: string): boolean {
  // Iterative matching with one backtrack point: linear in practice, never exponential.
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The actions a pattern names (lower case): none when it names no action AWS knows. */
export function actionsMatching(pattern: string): string[] {
  const p = pattern.toLowerCase();
  if (p === "*") return [...ACTIONS.keys()];
  return [...ACTIONS.keys()].filter((a) => globMatch(p, a));
}
