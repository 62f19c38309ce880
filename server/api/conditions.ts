/** Preconditions of GET/HEAD (RFC 7232 as S3 applies them) and of copy sources. */
import type { HeaderReader } from "../util/header_map.ts";
import { S3Error } from "./error.ts";

export interface Validators {
  etag: string;
  lastModified: number;
}

export interface ConditionHeaders {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

export function conditionHeaders(h: HeaderReader, prefix = "if-"): ConditionHeaders {
  return {
    ifMatch: h.get(`${prefix}match`),
    ifNoneMatch: h.get(`${prefix}none-match`),
    ifModifiedSince: h.get(`${prefix}modified-since`),
    ifUnmodifiedSince: h.get(`${prefix}unmodified-since`),
  };
}

export function etagMatches(list: string, etag: string): boolean {
  return list.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1"))
    .some((t) => t === "*" || t === etag);
}

/** Seconds resolution, as HTTP dates have. */
function parseDate(s: string | null): number | undefined {
  if (s === null) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/**
 * "ok", or the outcome the headers demand: "notModified" (304 for GET/HEAD) or a thrown
 * PreconditionFailed. If-Match overrides If-Unmodified-Since, If-None-Match overrides
 * If-Modified-Since.
 */
export function evaluate(c: ConditionHeaders, v: Validators): "ok" | "notModified" {
  const modified = Math.floor(v.lastModified / 1000);
  if (c.ifMatch !== null) {
    if (!etagMatches(c.ifMatch, v.etag)) throw preconditionFailed("If-Match");
  } else {
    const since = parseDate(c.ifUnmodifiedSince);
    if (since !== undefined && modified > since) throw preconditionFailed("If-Unmodified-Since");
  }
  if (c.ifNoneMatch !== null) {
    if (etagMatches(c.ifNoneMatch, v.etag)) return "notModified";
  } else {
    const since = parseDate(c.ifModifiedSince);
    if (since !== undefined && modified <= since) return "notModified";
  }
  return "ok";
}

export function preconditionFailed(condition: string): S3Error {
  return new S3Error(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    {
      Condition: condition,
    },
  );
}

export function hasWriteConditions(h: HeaderReader): boolean {
  return h.has("if-match") || h.has("if-none-match");
}

/** Conditional writes: If-None-Match (e.g. "*": only if absent) and If-Match on the current ETag. */
export function checkWriteConditions(h: HeaderReader, currentEtag: string | undefined): void {
  const ifMatch = h.get("if-match");
  const ifNoneMatch = h.get("if-none-match");
  if (ifMatch !== null) {
    if (currentEtag === undefined) {
      throw new S3Error("NoSuchKey", "The specified key does not exist.");
    }
    if (!etagMatches(ifMatch, currentEtag)) throw preconditionFailed("If-Match");
  }
  if (ifNoneMatch !== null && currentEtag !== undefined && etagMatches(ifNoneMatch, currentEtag)) {
    throw preconditionFailed("If-None-Match");
  }
}
