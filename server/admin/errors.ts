/** Admin API errors: Garage's JSON `{code, message, region, path}` with the right status. */
import type { ApiError } from "../../shared/admin.ts";
import { ModelError, type ModelErrorKind } from "../model/errors.ts";
import { LayoutError } from "../rpc/layout.ts";
import { QuorumError } from "../rpc/rpc.ts";
import { EntryTooLarge, MAX_VALUE } from "../table/store.ts";
import { S3Error } from "../api/error.ts";
import { storageFull } from "../api/error_response.ts";
import { isStorageFull } from "../util/disk_space.ts";
import { log } from "../util/log.ts";
import { InvalidRequest } from "./validate.ts";

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. `allow` on a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new AdminError(400, "InvalidRequest", message);

const MODEL_ERRORS: Record<ModelErrorKind, [number, string]> = {
  invalidName: [400, "InvalidBucketName"],
  badRequest: [400, "InvalidRequest"],
  noSuchBucket: [404, "NoSuchBucket"],
  noSuchKey: [404, "NoSuchAccessKey"],
  aliasTaken: [409, "BucketAlreadyExists"],
  bucketNotEmpty: [409, "BucketNotEmpty"],
  quotaExceeded: [403, "AccessDenied"],
  noSuchUpload: [404, "NoSuchUpload"],
  invalidPart: [400, "InvalidPart"],
  invalidPartOrder: [400, "InvalidPartOrder"],
  partTooSmall: [400, "EntityTooSmall"],
  locked: [403, "AccessDenied"],
  invalidBucketState: [409, "InvalidBucketState"],
  invalidTag: [400, "InvalidTag"],
  conditionalConflict: [409, "ConditionalRequestConflict"],
};

export interface ErrorContext {
  /** Whether the cluster layout has no version yet: quorum errors then explain what to do. */
  layoutEmpty: boolean;
}

/** Any thrown value as an AdminError; unexpected ones become 500 and are logged. */
export function toAdminError(e: unknown, ctx: ErrorContext): AdminError {
  if (e instanceof AdminError) return e;
  if (e instanceof InvalidRequest) return badRequest(e.message);
  if (e instanceof ModelError) {
    const [status, code] = MODEL_ERRORS[e.kind];
    return new AdminError(status, code, e.message);
  }
  if (e instanceof LayoutError) return badRequest(e.message);
  if (e instanceof EntryTooLarge) {
    return badRequest(
      `This would take ${e.size} bytes of ${e.table} metadata; at most ${MAX_VALUE} can be stored for one ${e.table}: shorten or remove settings and retry.`,
    );
  }
  // The object endpoints run the S3 handlers: their errors keep S3's code and status.
  if (e instanceof S3Error) return new AdminError(e.status, e.code, e.message);
  if (isStorageFull(e) || (e instanceof QuorumError && e.errors.some(isStorageFull))) {
    return new AdminError(507, "StorageFull", storageFull().message);
  }
  if (e instanceof QuorumError) {
    const hint = ctx.layoutEmpty
      ? "The cluster layout has no nodes yet: give nodes a role with `layout assign` and `layout apply` (UpdateClusterLayout, ApplyClusterLayout), then retry. "
      : "";
    return new AdminError(503, "ServiceUnavailable", `${hint}${e.message}`);
  }
  log.error("admin API internal error", { error: e, stack: (e as Error)?.stack });
  return new AdminError(500, "InternalError", `Internal error: ${(e as Error)?.message ?? e}`);
}

export function errorResponse(e: AdminError, region: string, path: string): Response {
  const body: ApiError = { code: e.code, message: e.message, region, path };
  const headers: Record<string, string> = {
    ...e.headers,
    "content-type": "application/json",
    "access-control-allow-origin": "*",
  };
  if (e.status === 401) headers["www-authenticate"] = 'Bearer realm="remise-admin"';
  return new Response(JSON.stringify(body, null, 2), { status: e.status, headers });
}
