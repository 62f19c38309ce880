/**
 * Presigned GET URLs (SigV4 in the query string, path-style), for links the operator hands out:
 * whoever holds one reads that object until it expires, without a key of their own.
 */
import { uriEncode } from "./encode.ts";
import {
  ALGORITHM,
  credentialScope,
  formatAmzDate,
  signingKey,
  stringToSignOf,
} from "./signature.ts";

export interface PresignRequest {
  /** The S3 endpoint as clients reach it, e.g. `https://s3.example.com`. */
  endpoint: string;
  bucket: string;
  key: string;
  accessKeyId: string;
  secret: string;
  region: string;
  expiresInSecs: number;
  now?: Date;
}

export function presignGet(p: PresignRequest): string {
  const base = new URL(p.endpoint);
  const amzDate = formatAmzDate((p.now ?? new Date()).getTime());
  const date = amzDate.slice(0, 8);
  const scope = credentialScope(date, p.region);
  const path = `${base.pathname.replace(/\/$/, "")}/${p.bucket}/${p.key}`;
  const params: [string, string][] = [
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${p.accessKeyId}/${scope}`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(p.expiresInSecs)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  const query = params.map(([k, v]) => `${uriEncode(k, true)}=${uriEncode(v, true)}`).join("&");
  const canonicalPath = uriEncode(path, false);
  const canonicalRequest = [
    "GET",
    canonicalPath,
    query,
    `host:${base.host}\n`,
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const signature = signingKey(p.secret, date, p.region).sign(
    stringToSignOf(canonicalRequest, amzDate, scope),
  );
  return `${base.origin}${canonicalPath}?${query}&X-Amz-Signature=${signature}`;
}
