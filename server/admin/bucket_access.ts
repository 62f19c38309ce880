/** A bucket's access settings in the admin API: shown in bucket info, changed by UpdateBucket. */
import type { ApiBucketAccess, ApiPublicAccessBlock } from "../../shared/admin.ts";
import {
  bucketAclOf,
  effectiveBlock,
  isCannedAcl,
  isPublicBucket,
  policyText,
  type PublicAccessBlock,
  PublicAccessBlocked,
  publicAccessBlockOf,
  setBucketAcl,
  setBucketPolicy,
  setPublicAccessBlock,
} from "../model/buckets/access.ts";
import { getBucket } from "../model/buckets/bucket_ops.ts";
import { PolicyError } from "../model/buckets/policy.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { Call } from "./context.ts";
import { AdminError, badRequest } from "./errors.ts";
import type { Fields } from "./validate.ts";

const FLAGS = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
] as const;

export function accessInfo(b: BucketEntry, cluster: PublicAccessBlock): ApiBucketAccess {
  const own = publicAccessBlockOf(b);
  return {
    policy: policyText(b) ?? null,
    publicAccessBlock: own ? { ...own } : null,
    effectiveBlock: effectiveBlock(b, cluster),
    acl: bucketAclOf(b),
    isPublic: isPublicBucket(b, cluster),
  };
}

/** Applies the `policy`, `publicAccessBlock` and `acl` fields of an UpdateBucket body. */
export async function updateAccess(
  deps: Call["deps"],
  bucketId: string,
  f: Fields,
): Promise<void> {
  const { model, sys } = deps;
  const config = sys.config.s3Api;
  const current = () => getBucket(model, bucketId)!;
  if (f.given("publicAccessBlock")) {
    const raw = f.raw("publicAccessBlock");
    let block: ApiPublicAccessBlock | null = null;
    if (raw !== null) {
      const o = f.optObj("publicAccessBlock", FLAGS)!;
      block = Object.fromEntries(
        FLAGS.map((k) => [k, o.optBool(k) ?? false]),
      ) as unknown as ApiPublicAccessBlock;
    }
    await setPublicAccessBlock(model, current(), block);
  }
  try {
    if (f.given("policy")) {
      const raw = f.raw("policy");
      if (raw !== null && typeof raw !== "string") {
        throw badRequest("`policy` must be the policy's JSON text (a string), or null.");
      }
      await setBucketPolicy(model, current(), raw as string | null, {
        clusterBlock: config.publicAccessBlock,
      });
    }
    const acl = f.optStr("acl");
    if (acl !== undefined) {
      if (!isCannedAcl(acl)) throw badRequest(`\`acl\` must be a canned ACL, not ${acl}.`);
      if (acl === "public-read-write" && !config.allowPublicWrite) {
        throw new AdminError(
          403,
          "AccessDenied",
          "public-read-write is not allowed on this cluster (allow_public_write in [s3_api]).",
        );
      }
      await setBucketAcl(model, current(), acl, config.publicAccessBlock);
    }
  } catch (e) {
    if (e instanceof PolicyError) throw new AdminError(400, "MalformedPolicy", e.message);
    if (e instanceof PublicAccessBlocked) throw new AdminError(403, "AccessDenied", e.message);
    throw e;
  }
}
