/** CleanupIncompleteUploads: a bucket's unfinished multipart uploads older than asked, aborted. */
import type { CleanupIncompleteUploadsResponse } from "../../shared/admin.ts";
import { abortUploadsBefore } from "../model/objects/uploads.ts";
import type { Call, EndpointDef } from "./context.ts";
import { existingBucket } from "./buckets.ts";
import { bodyFields } from "./validate.ts";

async function cleanup({ deps, body }: Call): Promise<CleanupIncompleteUploadsResponse> {
  const f = bodyFields(body, ["bucketId", "olderThanSecs"]);
  const bucket = existingBucket(deps.model, f.str("bucketId"), "bucketId");
  const olderThanSecs = f.int("olderThanSecs", 0);
  const before = Date.now() - olderThanSecs * 1000;
  return { uploadsDeleted: await abortUploadsBefore(deps.model, bucket.id, before) };
}

export const bucketUploadEndpoints: Record<string, EndpointDef> = {
  CleanupIncompleteUploads: { query: [], run: cleanup },
};
