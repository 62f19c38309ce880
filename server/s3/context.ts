/** What an S3 handler gets: the parsed request, the caller's key and the resolved bucket. */
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import type { HeaderReader } from "../util/header_map.ts";
import { type Query, RequestTarget } from "../util/target.ts";
import { randomHex } from "../util/ids.ts";
import { lww } from "../table/crdt.ts";
import type { Authenticated } from "../api/auth/signature.ts";
import type { ApiDeps } from "../api/response.ts";

export interface S3Context {
  deps: ApiDeps;
  req: Request;
  /** req's headers, read once (lower-case names). */
  headers: HeaderReader;
  url: RequestTarget;
  query: Query;
  requestId: string;
  /** Bucket name as the client wrote it (path-style or virtual-host), if any. */
  bucketName?: string;
  /** Object key, decoded, if any. */
  key?: string;
  auth: Authenticated;
  apiKey: KeyEntry;
  /** Bytes of request body accepted, for metrics. */
  bytesIn: number;
  /** Object bytes the response carries, for metrics. */
  bytesOut: number;
}

export interface BucketContext extends S3Context {
  bucketName: string;
  bucket: BucketEntry;
}

export interface ObjectContext extends BucketContext {
  key: string;
}

/** The key an operator context acts as: it holds no rights, the caller has checked them. */
const OPERATOR: KeyEntry = {
  id: "operator",
  secret: "",
  created: 0,
  deleted: false,
  name: lww("operator", 0),
  allowCreateBucket: lww(false, 0),
  buckets: {},
  localAliases: {},
  expiration: lww(null, 0),
};

/**
 * An object operation run for a caller another front end has already authorised (the admin API
 * acting for the operator): the same handlers as for an S3 client, with no signature to check.
 */
export function operatorContext(
  deps: ApiDeps,
  req: Request,
  bucket: BucketEntry,
  key: string,
): ObjectContext {
  const url = new RequestTarget(req.url);
  return {
    deps,
    req,
    headers: req.headers,
    url,
    query: url.searchParams,
    requestId: randomHex(8).toUpperCase(),
    bucketName: bucket.id,
    bucket,
    key,
    auth: {
      accessKeyId: OPERATOR.id,
      payload: { kind: "unsigned" },
      region: deps.sys.config.s3Api.s3Region,
      signedHeaders: [],
    },
    apiKey: OPERATOR,
    bytesIn: 0,
    bytesOut: 0,
  };
}
