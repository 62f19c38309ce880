/** Failures as S3 error XML: the code, status and message a client expects. */
import { ModelError } from "../model/errors.ts";
import { QuorumError } from "../rpc/rpc.ts";
import type { System } from "../rpc/system.ts";
import { EntryTooLarge, MAX_VALUE } from "../table/store.ts";
import { isStorageFull } from "../util/disk_space.ts";
import { log } from "../util/log.ts";
import { S3Error } from "./error.ts";
import { escapeXml } from "./xml.ts";

export function errorResponse(
  e: S3Error,
  resource: string,
  requestId: string,
  head: boolean,
): Response {
  const extra = Object.entries(e.extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join("");
  const body = head
    ? null
    : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${e.code}</Code><Message>${
      escapeXml(e.message)
    }</Message>${extra}<Resource>${
      escapeXml(resource)
    }</Resource><RequestId>${requestId}</RequestId></Error>`;
  const headers: Record<string, string> = { "content-type": "application/xml", ...e.headers };
  if (e.status === 503) headers["retry-after"] = "1";
  if (e.code === "InvalidRange" && e.extra.ActualObjectSize) {
    headers["content-range"] = `bytes */${e.extra.ActualObjectSize}`;
  }
  return new Response(body, { status: e.status, headers });
}

/**
 * A node that has not yet received the keys and buckets (it just joined) cannot know that one
 * does not exist: "not ready", which clients retry, instead of a wrong "no such key".
 */
export function unlessNotYetKnown(err: S3Error, sys: System): S3Error {
  if (err.code !== "InvalidAccessKeyId" && err.code !== "NoSuchBucket") return err;
  if (sys.tablesReceived()) return err;
  return new S3Error(
    "ServiceUnavailable",
    "This node has just joined the cluster and is still receiving its keys and buckets; retry in a moment.",
  );
}

/** New data refused for lack of space: on this node's `disk`, or on the replicas a write needs. */
export function storageFull(disk?: "data" | "metadata"): S3Error {
  const where = disk ? `This node's ${disk} disk has` : "Storage on the replicas has";
  return new S3Error(
    "StorageFull",
    `${where} reached its free-space reserve (min_free_space): new data is refused until objects are deleted or disks grow; deletes still work.`,
  );
}

export function toS3Error(e: unknown): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof ModelError) {
    const code = {
      invalidName: "InvalidBucketName",
      aliasTaken: "BucketAlreadyExists",
      noSuchBucket: "NoSuchBucket",
      noSuchKey: "InvalidAccessKeyId",
      bucketNotEmpty: "BucketNotEmpty",
      badRequest: "InvalidRequest",
      quotaExceeded: "AccessDenied",
      noSuchUpload: "NoSuchUpload",
      invalidPart: "InvalidPart",
      invalidPartOrder: "InvalidPartOrder",
      partTooSmall: "EntityTooSmall",
      locked: "AccessDenied",
      invalidBucketState: "InvalidBucketState",
      invalidTag: "InvalidTag",
      conditionalConflict: "ConditionalRequestConflict",
    } as const;
    return new S3Error(code[e.kind], e.message, e.details);
  }
  if (e instanceof EntryTooLarge) {
    return new S3Error(
      "InvalidRequest",
      `This would take ${e.size} bytes of ${e.table} metadata; at most ${MAX_VALUE} can be stored for one ${e.table} (its CORS, website and lifecycle configurations together): remove rules and retry.`,
    );
  }
  if (isStorageFull(e) || (e instanceof QuorumError && e.errors.some(isStorageFull))) {
    return storageFull();
  }
  if (e instanceof QuorumError) {
    return new S3Error(
      "ServiceUnavailable",
      `Not enough storage nodes answered: ${e.message}. Retry once the cluster is healthy.`,
    );
  }
  log.error("internal error in S3 request", { error: e, stack: (e as Error)?.stack });
  return new S3Error("InternalError", "We encountered an internal error. Please try again.");
}
