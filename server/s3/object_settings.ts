/**
 * The object lock and tags a write asks for in its headers (x-amz-object-lock-*,
 * x-amz-tagging, a form's `tagging` document), checked as AWS checks them, and the headers a
 * read answers them with.
 */
import { lockConfigOf } from "../model/buckets/protection.ts";
import { checkTags } from "../model/objects/tags.ts";
import type { BucketEntry } from "../model/tables/bucket.ts";
import type { LockMode, VersionSettings } from "../model/tables/settings.ts";
import type { HeaderReader } from "../util/header_map.ts";
import { S3Error } from "../api/error.ts";
import { parseXmlBody, xmlList, xmlText } from "../api/xml.ts";
import type { ObjectWrite } from "./unsupported.ts";
import { parseCannedAcl } from "./acl.ts";

const MODE = "x-amz-object-lock-mode";
const UNTIL = "x-amz-object-lock-retain-until-date";
const HOLD = "x-amz-object-lock-legal-hold";

function invalid(name: string, value: string, message: string): S3Error {
  return new S3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });
}

export function parseMode(name: string, value: string): LockMode {
  if (value === "GOVERNANCE" || value === "COMPLIANCE") return value;
  throw invalid(name, value, "Unknown wormMode directive.");
}

/** A retain-until date: an ISO 8601 time in the future. */
export function parseUntil(name: string, value: string, now = Date.now()): number {
  const t = /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) {
    throw invalid(name, value, "The retain until date must be an ISO 8601 time.");
  }
  if (t <= now) throw invalid(name, value, "The retain until date must be in the future!");
  return t;
}

export function parseHold(name: string, value: string): boolean {
  if (value === "ON" || value === "OFF") return value === "ON";
  throw invalid(name, value, "Legal Hold must be either of 'ON' or 'OFF'.");
}

/** x-amz-tagging: a URL query string of at most 10 tags. */
export function parseTagHeader(value: string): Array<[string, string]> {
  const tags: Array<[string, string]> = [];
  if (value === "") return tags;
  for (const pair of value.split("&")) {
    const eq = pair.indexOf("=");
    const [k, v] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      tags.push([
        decodeURIComponent(k.replaceAll("+", " ")),
        decodeURIComponent(v.replaceAll("+", " ")),
      ]);
    } catch {
      throw new S3Error(
        "InvalidArgument",
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
      );
    }
  }
  return tags;
}

/** A <Tagging><TagSet><Tag>… document, as PutObjectTagging and a form's `tagging` send it. */
export function parseTagging(text: string): Array<[string, string]> {
  const doc = parseXmlBody(text, "Tagging");
  const set = doc.TagSet;
  const tags = xmlList(
    typeof set === "object" && set !== null && !Array.isArray(set) ? set.Tag : undefined,
  );
  return tags.map((t) => {
    const tag = typeof t === "object" && t !== null && !Array.isArray(t) ? t : {};
    const key = xmlText(tag.Key);
    if (key === undefined) {
      throw new S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema: every <Tag> needs a <Key>.",
      );
    }
    return [key, xmlText(tag.Value) ?? ""];
  });
}

/**
 * The lock and tags a write asks for. Lock headers need a bucket with object lock (400
 * InvalidRequest otherwise, nothing written); `sourceTags` are a copy's source's, kept unless
 * x-amz-tagging-directive is REPLACE.
 */
export function requestedSettings(
  op: ObjectWrite,
  h: HeaderReader,
  bucket: BucketEntry,
  sourceTags?: Array<[string, string]>,
): VersionSettings | undefined {
  const out: VersionSettings = {};
  const now = Date.now();
  const mode = h.get(MODE), until = h.get(UNTIL), hold = h.get(HOLD);
  if (mode !== null || until !== null || hold !== null) {
    if (!lockConfigOf(bucket)) {
      throw new S3Error("InvalidRequest", "Bucket is missing Object Lock Configuration");
    }
    if ((mode === null) !== (until === null)) {
      throw new S3Error(
        "InvalidArgument",
        "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
      );
    }
    if (mode !== null) {
      out.retention = {
        mode: parseMode(MODE, mode),
        until: parseUntil(UNTIL, until!, now),
        at: now,
      };
    }
    if (hold !== null) out.legalHold = { on: parseHold(HOLD, hold), at: now };
  }
  let tags: Array<[string, string]> | undefined;
  if (op === "CopyObject") {
    const directive = (h.get("x-amz-tagging-directive") ?? "COPY").toUpperCase();
    if (directive !== "COPY" && directive !== "REPLACE") {
      throw new S3Error("InvalidArgument", "Unknown tagging directive.", {
        ArgumentName: "x-amz-tagging-directive",
        ArgumentValue: directive,
      });
    }
    tags = directive === "COPY" ? sourceTags : parseTagHeader(h.get("x-amz-tagging") ?? "");
  } else if (op === "PostObject") {
    const doc = h.get("tagging");
    if (doc !== null) tags = parseTagging(doc);
  } else {
    const header = h.get("x-amz-tagging");
    if (header !== null) tags = parseTagHeader(header);
  }
  if (tags?.length) {
    checkTags(tags);
    out.tags = { tags, at: now };
  }
  const acl = h.get("x-amz-acl");
  if (acl !== null) out.acl = { acl: parseCannedAcl(acl), at: now };
  return Object.keys(out).length ? out : undefined;
}

/** PutObject with a lock must say what its body is (AWS's rule, so a lock is never set on bytes that were damaged on the way). */
export function requireIntegrityForLock(h: HeaderReader): void {
  if (!h.has(MODE) && !h.has(HOLD)) return;
  const declared = h.has("content-md5") ||
    [...h.keys()].some((n) =>
      n.startsWith("x-amz-checksum-") || n === "x-amz-sdk-checksum-algorithm"
    );
  if (!declared) {
    throw new S3Error(
      "InvalidRequest",
      "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
    );
  }
}
