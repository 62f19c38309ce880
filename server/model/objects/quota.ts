/**
 * Bucket quotas (max objects, max bytes), checked as Garage does: once the new data is stored
 * and its size known, before the object is committed, against the counters of the bucket.
 */
import type { BucketEntry } from "../tables/bucket.ts";
import { bucketStats } from "../buckets/bucket_stats.ts";
import type { Model } from "../model.ts";
import { visibleVersion } from "../tables/object.ts";
import { ModelError } from "../errors.ts";
import { versioningOf } from "../buckets/protection.ts";

/** Refuses writing `size` bytes as `key` if that would take the bucket over a quota. */
export async function checkQuota(
  model: Model,
  bucket: BucketEntry,
  key: string,
  size: number,
): Promise<void> {
  const { maxObjects, maxSize } = bucket.quotas.v;
  if (maxObjects === null && maxSize === null) return;
  const [stats, entry] = await Promise.all([
    bucketStats(model.sys, bucket.id),
    model.objects.get(bucket.id, key),
  ]);
  // An object replaced frees its own place and size, unless its bucket keeps it as a version.
  const versioning = versioningOf(bucket);
  const current = visibleVersion(entry);
  const prev = current && (!versioning || (versioning === "Suspended" && !current.id))
    ? current
    : undefined;
  const prevSize = prev ? prev.state.data.meta.size : 0;
  if (maxObjects !== null && !prev && stats.objects >= maxObjects) {
    throw new ModelError(
      "quotaExceeded",
      `Object quota is reached: this bucket may hold at most ${maxObjects} objects.`,
    );
  }
  if (maxSize !== null && stats.bytes - prevSize + size > maxSize) {
    throw new ModelError(
      "quotaExceeded",
      `Size quota is reached: this bucket may hold at most ${maxSize} bytes; this object would take it to ${
        stats.bytes - prevSize + size
      }.`,
    );
  }
}
