/** What an S3 handler gets: the parsed request, the caller's key and the resolved bucket. */
import type { BucketEntry } from "../model/bucket.ts";
import type { KeyEntry } from "../model/key.ts";
import type { Model } from "../model/model.ts";
import type { System } from "../rpc/system.ts";
import type { HeaderReader } from "../util/header_map.ts";
import type { Metrics } from "../util/metrics.ts";
import { type Query, RequestTarget } from "../util/target.ts";
import { randomHex } from "../util/ids.ts";
import { lww } from "../table/crdt.ts";
import type { Authenticated } from "./auth/signature.ts";
import { xmlDocument, type XmlElements } from "./xml.ts";

export interface S3Deps {
  sys: System;
  model: Model;
  metrics: Metrics;
}

export interface S3Context {
  deps: S3Deps;
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

/** Headers every S3 response carries. */
export function responseIds(requestId: string): Record<string, string> {
  return { "x-amz-request-id": requestId, "x-amz-id-2": requestId, server: "Remise" };
}

// Reading a built Response's headers makes Deno drop the wire form it prepared at construction,
// which then costs a small GET about a tenth of its time: the router looks only at the others.
const identified = new WeakSet<Response>();

/** A response built with responseIds among its headers. */
export function identifiedResponse(body: BodyInit | null, init: ResponseInit): Response {
  const res = new Response(body, init);
  identified.add(res);
  return res;
}

/** Adds responseIds to a response built without them. */
export function identify(res: Response, requestId: string): void {
  if (identified.has(res)) return;
  for (const [name, value] of Object.entries(responseIds(requestId))) res.headers.set(name, value);
}

export function xmlResponse(
  root: string,
  body: XmlElements,
  status = 200,
  headers: HeadersInit = {},
): Response {
  const h = new Headers(headers);
  if (!h.has("content-type")) h.set("content-type", "application/xml");
  return new Response(xmlDocument(root, body), { status, headers: h });
}

/**
 * A date format with its recent answers kept, per second: formatting costs more than a lookup,
 * and the same objects (or many written in one second) are read and listed again and again.
 */
function perSecond(format: (second: number) => string): (ms: number) => string {
  const known = new Map<number, string>();
  return (ms) => {
    const second = Math.floor(ms / 1000);
    let text = known.get(second);
    if (text === undefined) {
      if (known.size >= 4096) known.clear();
      text = format(second);
      known.set(second, text);
    }
    return text;
  };
}

export const httpDate = perSecond((s) => new Date(s * 1000).toUTCString());

/** ISO 8601 to the second, as S3 lists dates. */
export const isoDate = perSecond((s) => new Date(s * 1000).toISOString());

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
  deps: S3Deps,
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
