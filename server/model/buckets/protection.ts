/**
 * What a bucket keeps of its objects' past: its versioning state and its object lock
 * configuration. Versioning never goes back to unversioned, object lock never goes off, and a
 * bucket with object lock keeps versioning Enabled.
 */
import type { Model } from "../model.ts";
import { ModelError } from "../errors.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import type { LockMode } from "../tables/settings.ts";
import { bucketConfig, setBucketConfig } from "./bucket_ops.ts";

export type Versioning = "Enabled" | "Suspended";

export interface DefaultRetention {
  mode: LockMode;
  days?: number;
  years?: number;
}

export interface LockConfig {
  enabled: true;
  rule?: DefaultRetention;
}

/** The bucket's versioning state; undefined until it is first set (unversioned). */
export function versioningOf(b: BucketEntry): Versioning | undefined {
  return bucketConfig<Versioning>(b, "versioning");
}

export function lockConfigOf(b: BucketEntry): LockConfig | undefined {
  return bucketConfig<LockConfig>(b, "objectLock");
}

/** Sets Enabled or Suspended; a bucket with object lock cannot be Suspended. */
export async function setVersioning(model: Model, b: BucketEntry, v: Versioning): Promise<void> {
  if (v === "Suspended" && lockConfigOf(b)) {
    throw new ModelError(
      "invalidBucketState",
      "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
    );
  }
  if (versioningOf(b) !== v) await setBucketConfig(model, b, "versioning", v);
}

/** Turns object lock on (for good) or changes its default retention; needs versioning on. */
export async function setLockConfig(model: Model, b: BucketEntry, c: LockConfig): Promise<void> {
  if (versioningOf(b) !== "Enabled") {
    throw new ModelError(
      "invalidBucketState",
      "Versioning must be Enabled on the bucket to turn object lock on.",
    );
  }
  await setBucketConfig(model, b, "objectLock", c);
}
