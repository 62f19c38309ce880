/**
 * Who may use a bucket besides the keys it grants rights to: its policy, its public access
 * block, and its canned ACL, all kept in the bucket entry (fully replicated, merged last writer
 * wins per setting like its CORS and lifecycle rules).
 */
import type { Model } from "../model.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import { bucketConfig, getKey, globalAliases, setBucketConfig } from "./bucket_ops.ts";
import { parsePolicy, type Policy, PolicyError } from "./policy.ts";
import { evaluate, isPublicPolicy } from "./policy_eval.ts";
import { UNKNOWN } from "./policy_conditions.ts";

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export const NO_BLOCK: PublicAccessBlock = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

export const CANNED_ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
] as const;
export type CannedAcl = typeof CANNED_ACLS[number];

export function isCannedAcl(s: string): s is CannedAcl {
  return (CANNED_ACLS as readonly string[]).includes(s);
}

/**
 * ACLs AWS counts as public (what the public access block refuses or ignores): those granting to
 * every caller, and authenticated-read, which grants to every key.
 */
export function isPublicAcl(acl: CannedAcl | undefined): boolean {
  return acl === "public-read" || acl === "public-read-write" || acl === "authenticated-read";
}

/** ACLs that open something to callers without a key. */
export function isAnonymousAcl(acl: CannedAcl | undefined): boolean {
  return acl === "public-read" || acl === "public-read-write";
}

const POLICY = "policy";
const BLOCK = "publicAccessBlock";
const ACL = "acl";

/** Parsed policies by text: a policy is parsed once, not on every request. */
const parsed = new Map<string, Policy>();
const PARSED_MAX = 256;

export function policyText(b: BucketEntry): string | undefined {
  return bucketConfig<string>(b, POLICY);
}

export function policyOf(b: BucketEntry): Policy | undefined {
  const text = policyText(b);
  if (text === undefined) return undefined;
  let p = parsed.get(text);
  if (!p) {
    p = parsePolicy(text);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, p);
  }
  return p;
}

/** The names a policy of this bucket may use: its global aliases and the one it was set by. */
export function bucketNames(b: BucketEntry, usedName?: string): string[] {
  const names = globalAliases(b);
  if (usedName !== undefined && !names.includes(usedName)) names.push(usedName);
  return names;
}

/**
 * Sets a bucket's policy after checking it whole; null removes it. A public policy is refused
 * while the bucket (or the cluster) blocks public policies.
 */
export async function setBucketPolicy(
  model: Model,
  b: BucketEntry,
  text: string | null,
  o: { usedName?: string; clusterBlock: PublicAccessBlock },
): Promise<void> {
  if (text !== null) {
    const policy = parsePolicy(text, {
      bucketNames: bucketNames(b, o.usedName),
      keyExists: (id) => getKey(model, id) !== undefined,
    });
    if (effectiveBlock(b, o.clusterBlock).blockPublicPolicy && isPublicPolicy(policy)) {
      throw new PublicAccessBlocked(
        "The bucket's public access block (BlockPublicPolicy) refuses a policy that grants access to everyone.",
      );
    }
  }
  await setBucketConfig(model, b, POLICY, text);
}

/** A change refused because the public access block forbids it. */
export class PublicAccessBlocked extends Error {}

export { PolicyError };

export function publicAccessBlockOf(b: BucketEntry): PublicAccessBlock | undefined {
  return bucketConfig<PublicAccessBlock>(b, BLOCK);
}

/** What holds for a bucket: a flag set on the bucket or for the whole cluster (as AWS's account). */
export function effectiveBlock(b: BucketEntry, cluster: PublicAccessBlock): PublicAccessBlock {
  const own = publicAccessBlockOf(b) ?? NO_BLOCK;
  return {
    blockPublicAcls: own.blockPublicAcls || cluster.blockPublicAcls,
    ignorePublicAcls: own.ignorePublicAcls || cluster.ignorePublicAcls,
    blockPublicPolicy: own.blockPublicPolicy || cluster.blockPublicPolicy,
    restrictPublicBuckets: own.restrictPublicBuckets || cluster.restrictPublicBuckets,
  };
}

export async function setPublicAccessBlock(
  model: Model,
  b: BucketEntry,
  block: PublicAccessBlock | null,
): Promise<void> {
  await setBucketConfig(model, b, BLOCK, block);
}

export function bucketAclOf(b: BucketEntry): CannedAcl {
  return bucketConfig<CannedAcl>(b, ACL) ?? "private";
}

export async function setBucketAcl(
  model: Model,
  b: BucketEntry,
  acl: CannedAcl,
  clusterBlock: PublicAccessBlock,
): Promise<void> {
  if (isPublicAcl(acl) && effectiveBlock(b, clusterBlock).blockPublicAcls) {
    throw new PublicAccessBlocked(
      "The bucket's public access block (BlockPublicAcls) refuses a public ACL.",
    );
  }
  await setBucketConfig(model, b, ACL, acl === "private" ? null : acl);
}

/** Whether anyone can read or write the bucket without a key (the console's "public" badge). */
export function isPublicBucket(b: BucketEntry, cluster: PublicAccessBlock): boolean {
  const block = effectiveBlock(b, cluster);
  const policy = policyOf(b);
  const viaPolicy = !!policy && !block.restrictPublicBuckets && isPublicPolicy(policy);
  return viaPolicy || (!block.ignorePublicAcls && isAnonymousAcl(bucketAclOf(b)));
}

/**
 * How anyone, without a key and with no condition to meet, may download an object: the bucket's
 * policy allows it, or the object's own ACL does; null when only keys can. A conditional Allow
 * (an address range, a referer) does not count, a conditional Deny does.
 */
export function anonymousRead(
  b: BucketEntry,
  key: string,
  objectAcl: CannedAcl | undefined,
  cluster: PublicAccessBlock,
): "policy" | "objectAcl" | null {
  const block = effectiveBlock(b, cluster);
  const policy = policyOf(b);
  if (policy) {
    const decision = evaluate(policy, {
      principal: null,
      action: "s3:getobject",
      bucketNames: bucketNames(b),
      key,
      context: () => UNKNOWN,
    }, block.restrictPublicBuckets);
    if (decision === "Deny") return null;
    if (decision === "Allow") return "policy";
  }
  return isAnonymousAcl(objectAcl) && !block.ignorePublicAcls ? "objectAcl" : null;
}
