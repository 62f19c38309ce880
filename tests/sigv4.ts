/**
 * An independent, minimal SigV4 signer for tests that need requests no SDK would send
 * (raw queries, tampered bodies, truncated uploads).
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac } from "node:crypto";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

const enc = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );

export function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params.entries()].map(([k, v]) => [enc(k), enc(v)]).sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : 1
  ).map(([k, v]) => `${k}=${v}`).join("&");
}

function canonicalPath(path: string): string {
  return path.split("/").map((s) => enc(decodeURIComponent(s))).join("/");
}

export function amzNow(now: Date): { amzDate: string; date: string } {
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  return { amzDate, date: amzDate.slice(0, 8) };
}

export function signingKey(secret: string, date: string, region: string): Uint8Array {
  return hmac(hmac(hmac(hmac("AWS4" + secret, date), region), "s3"), "aws4_request");
}

/** A presigned URL for `method url` valid `expires` seconds from `now`. */
export function presign(
  method: string,
  url: string,
  creds: Creds,
  region: string,
  expires = 300,
  now = new Date(),
): string {
  const u = new URL(url);
  const { amzDate, date } = amzNow(now);
  const scope = `${date}/${region}/s3/aws4_request`;
  u.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  u.searchParams.set("X-Amz-Credential", `${creds.accessKeyId}/${scope}`);
  u.searchParams.set("X-Amz-Date", amzDate);
  u.searchParams.set("X-Amz-Expires", String(expires));
  u.searchParams.set("X-Amz-SignedHeaders", "host");
  const creq = [
    method,
    canonicalPath(u.pathname),
    canonicalQuery(u.searchParams),
    `host:${u.host}\n`,
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(creq)].join("\n");
  const sig = Buffer.from(hmac(signingKey(creds.secretAccessKey, date, region), sts)).toString(
    "hex",
  );
  return `${u.origin}${u.pathname}?${canonicalQuery(u.searchParams)}&X-Amz-Signature=${sig}`;
}

/** Headers for a header-signed request whose body has the given payload hash. */
export function signHeaders(
  method: string,
  url: string,
  creds: Creds,
  region: string,
  payloadHash: string,
  extra: Record<string, string> = {},
  now = new Date(),
): Record<string, string> {
  const u = new URL(url);
  const { amzDate, date } = amzNow(now);
  const scope = `${date}/${region}/s3/aws4_request`;
  const headers: Record<string, string> = {
    host: u.host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": payloadHash,
  };
  for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
  const names = Object.keys(headers).sort();
  const creq = [
    method,
    canonicalPath(u.pathname),
    canonicalQuery(u.searchParams),
    names.map((n) => `${n}:${headers[n].trim()}\n`).join(""),
    names.join(";"),
    payloadHash,
  ].join("\n");
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(creq)].join("\n");
  const sig = Buffer.from(hmac(signingKey(creds.secretAccessKey, date, region), sts)).toString(
    "hex",
  );
  delete headers.host;
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${
      names.join(";")
    }, Signature=${sig}`,
  };
}

export { sha256Hex };

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload: headers and the aws-chunked body, each chunk
 * signed in a chain from the request's signature.
 */
export function signChunked(
  url: string,
  creds: Creds,
  region: string,
  data: Uint8Array,
  chunkSize: number,
  now = new Date(),
  /** What x-amz-decoded-content-length claims (the data's length unless a test lies). */
  decodedLength = data.length,
): { headers: Record<string, string>; body: Uint8Array } {
  const { amzDate, date } = amzNow(now);
  const scope = `${date}/${region}/s3/aws4_request`;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(new Uint8Array());
  const sizeOf = (c: Uint8Array) =>
    `${c.length.toString(16)};chunk-signature=`.length + 64 + 4 + c.length;
  const encodedLength = chunks.reduce((s, c) => s + sizeOf(c), 0);
  const headers = signHeaders("PUT", url, creds, region, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", {
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": String(decodedLength),
    "content-length": String(encodedLength),
  }, now);
  let prev = /Signature=([0-9a-f]{64})/.exec(headers.authorization)![1];
  const key = signingKey(creds.secretAccessKey, date, region);
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const c of chunks) {
    const sts = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, prev, sha256Hex(""), sha256Hex(c)]
      .join("\n");
    prev = Buffer.from(hmac(key, sts)).toString("hex");
    parts.push(
      enc.encode(`${c.length.toString(16)};chunk-signature=${prev}\r\n`),
      c,
      enc.encode("\r\n"),
    );
  }
  const body = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return { headers, body };
}
