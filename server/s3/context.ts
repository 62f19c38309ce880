/** What an S3 handler gets: the parsed request, the caller's key and the resolved bucket. */
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { KeyEntry } from "../model/tables/key.ts";
import type { HeaderReader } from "../util/header_map.ts";
import type { Query, RequestTarget } from "../util/target.ts";
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
  /** How the request was signed; an anonymous request counts as signed with no payload hash. */
  auth: Authenticated;
  /** The caller's access key; none for an anonymous request. */
  apiKey?: KeyEntry;
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
