/** Open multipart uploads of a bucket, with their parts and bytes. */
import type { Model } from "../model/model.ts";
import { mpuSortKey } from "../model/tables/mpu.ts";

const PAGE = 1000;
/** Past this many uploads, parts are not counted (the answer stays quick). */
const MAX_UPLOADS_DETAILED = 1000;

export interface UploadStats {
  uploads: number;
  parts: number;
  bytes: number;
}

/** Multipart uploads still open in a bucket, with their parts and bytes. */
export async function uploadStats(model: Model, bucketId: string): Promise<UploadStats> {
  const out: UploadStats = { uploads: 0, parts: 0, bytes: 0 };
  let start: string | undefined;
  for (;;) {
    const page = await model.uploads.range(bucketId, { start, limit: PAGE });
    for (const u of page) {
      if (u.deleted) continue;
      out.uploads++;
      if (out.uploads > MAX_UPLOADS_DETAILED) continue;
      for (const p of await model.allParts(u.uploadId)) {
        if (p.deleted) continue;
        out.parts++;
        out.bytes += p.size;
      }
    }
    if (page.length < PAGE) return out;
    const last = page[page.length - 1];
    start = mpuSortKey(last.key, last.uploadId) + "\u0000";
  }
}
