/** Which request headers an object keeps, and the response headers it is served with. */
import type { HeaderReader } from "../util/header_map.ts";
import type { ObjectMeta, ObjectVersion } from "../model/tables/object.ts";
import { checksumHeader, parseChecksumAlgorithm } from "../util/checksum.ts";
import { isSafeRedirectLocation } from "../model/buckets/website.ts";
import type { VersionSettings } from "../model/tables/settings.ts";
import { httpDate, isoDate } from "./response.ts";
import { S3Error } from "./error.ts";
import { sseHeaders } from "./ssec.ts";

const STORED = [
  "content-type",
  "content-encoding",
  "content-disposition",
  "content-language",
  "cache-control",
  "expires",
  "x-amz-website-redirect-location",
  "x-amz-storage-class",
];

/** AWS limits user metadata (names and values of x-amz-meta-*) to 2 KiB. */
const MAX_USER_METADATA = 2048;

export function storedHeaders(h: HeaderReader): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let userSize = 0;
  for (const [name, value] of h) {
    if (name.startsWith("x-amz-meta-")) {
      userSize += name.length - "x-amz-meta-".length + value.length;
      out.push([name, value]);
    } else if (STORED.includes(name)) {
      // aws-chunked is how the body was sent, not how the object is encoded.
      if (name === "content-encoding") {
        const kept = value.split(",").map((s) => s.trim()).filter((s) => s && s !== "aws-chunked");
        if (kept.length) out.push([name, kept.join(", ")]);
        continue;
      }
      if (name === "x-amz-website-redirect-location" && !isSafeRedirectLocation(value)) {
        throw new S3Error(
          "InvalidArgument",
          "The website redirect location must have a prefix of 'http://' or 'https://' or '/' (and not '//').",
          { ArgumentName: name, ArgumentValue: value },
        );
      }
      out.push([name, value]);
    }
  }
  if (userSize > MAX_USER_METADATA) {
    throw new S3Error(
      "MetadataTooLarge",
      `Your metadata headers exceed the maximum allowed metadata size of ${MAX_USER_METADATA} bytes.`,
    );
  }
  if (!out.some(([n]) => n === "content-type")) out.push(["content-type", "binary/octet-stream"]);
  return out.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

export function quotedEtag(etag: string): string {
  return `"${etag}"`;
}

/**
 * Headers describing a stored object (GET, HEAD, and the website endpoint), as a plain record:
 * a Response copies it with less work than another Headers object.
 */
export function objectHeaders(
  v: ObjectVersion,
  meta: ObjectMeta,
  withChecksum: boolean,
): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [n, val] of meta.headers) h[n] = val;
  h["etag"] = quotedEtag(meta.etag);
  h["last-modified"] = httpDate(v.timestamp);
  h["accept-ranges"] = "bytes";
  if (meta.parts) h["x-amz-mp-parts-count"] = String(meta.parts);
  if (meta.sse) Object.assign(h, sseHeaders(meta.sse));
  if (withChecksum && meta.checksum) {
    const alg = parseChecksumAlgorithm(meta.checksum.alg);
    if (alg) {
      h[checksumHeader(alg)] = meta.checksum.value;
      h["x-amz-checksum-type"] = meta.checksum.type ?? "FULL_OBJECT";
    }
  }
  return h;
}

/** The lock and tag headers of a GET or HEAD. */
export function settingsHeaders(v: VersionSettings): Record<string, string> {
  const h: Record<string, string> = {};
  if (v.retention && v.retention.until > 0) {
    h["x-amz-object-lock-mode"] = v.retention.mode;
    h["x-amz-object-lock-retain-until-date"] = isoDate(v.retention.until);
  }
  if (v.legalHold) h["x-amz-object-lock-legal-hold"] = v.legalHold.on ? "ON" : "OFF";
  if (v.tags?.tags.length) h["x-amz-tagging-count"] = String(v.tags.tags.length);
  return h;
}

/** Response header overrides a signed GET may ask for (?response-content-type=…). */
export const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};
