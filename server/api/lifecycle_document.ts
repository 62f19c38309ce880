/**
 * A bucket's lifecycle rules as S3's LifecycleConfiguration document: parsed and checked whole
 * (for PutBucketLifecycleConfiguration and the admin API alike), and written back. The rules
 * Remise cannot run (transitions to other storage classes) are refused with NotImplemented: a
 * rule accepted and then ignored would keep data the owner meant to let go.
 */
import {
  isMidnightUtc,
  type LifecycleExpiration,
  type LifecycleFilter,
  type LifecycleRule,
  parseIsoDate,
} from "../model/buckets/lifecycle.ts";
import { randomHex } from "../util/ids.ts";
import { checkTags } from "../model/objects/tags.ts";
import { S3Error } from "./error.ts";
import {
  parseXmlBody,
  xmlDocument,
  type XmlElements,
  xmlList,
  type XmlObject,
  xmlText,
  xmlToken,
  type XmlValue,
} from "./xml.ts";

/** AWS's limit on rules per bucket. */
const MAX_RULES = 1000;
const MAX_ID_LENGTH = 255;
/** The rules live in the bucket entry, one metadata value with room for its other settings. */
const MAX_STORED_BYTES = 24 * 1024;
const UNSUPPORTED = ["Transition", "NoncurrentVersionTransition"];

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}

/**
 * The child elements of `v`, each known and given once: a misspelt element must not leave a
 * rule wider than its author meant.
 */
function children(v: XmlValue, where: string, known: string[], repeated?: string): XmlObject {
  if (typeof v === "string" && v.trim() === "") return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw malformed(`<${where}> holds elements, not text`);
  }
  for (const [name, value] of Object.entries(v)) {
    if (name === "#text") continue;
    if (UNSUPPORTED.includes(name)) {
      throw new S3Error(
        "NotImplemented",
        `<${name}> is not supported: this server has one storage class, so lifecycle rules expire objects, noncurrent versions and delete markers, and abort incomplete multipart uploads.`,
      );
    }
    if (!known.includes(name)) throw malformed(`<${where}> has no element <${name}>`);
    if (Array.isArray(value) && name !== repeated) {
      throw malformed(`<${name}> appears more than once in <${where}>`);
    }
  }
  return v;
}

function positiveDays(v: XmlValue, name: string, action: string): number {
  const text = xmlToken(v) ?? "";
  if (!/^-?\d+$/.test(text)) throw malformed(`<${name}> must be a whole number of days`);
  const n = Number(text);
  if (n <= 0 || !Number.isSafeInteger(n)) {
    throw new S3Error(
      "InvalidArgument",
      `'${name}' for ${action} action must be a positive integer`,
    );
  }
  return n;
}

function size(v: XmlValue, what: string): number | undefined {
  if (v === undefined) return undefined;
  const text = xmlToken(v) ?? "";
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw malformed(`${what} must be a number of bytes`);
  }
  return Number(text);
}

function parseTag(v: XmlValue): [string, string] {
  const t = children(v, "Tag", ["Key", "Value"]);
  const key = xmlText(t.Key);
  if (key === undefined) throw malformed("a <Tag> needs a <Key>");
  return [key, xmlText(t.Value) ?? ""];
}

function conditions(o: XmlObject): LifecycleFilter {
  const f: LifecycleFilter = {};
  if (o.Tag !== undefined) {
    f.tags = xmlList(o.Tag).map(parseTag);
    checkTags(f.tags);
  }
  const prefix = xmlText(o.Prefix);
  if (prefix !== undefined) f.prefix = prefix;
  const gt = size(o.ObjectSizeGreaterThan, "ObjectSizeGreaterThan");
  if (gt !== undefined) f.sizeGreaterThan = gt;
  const lt = size(o.ObjectSizeLessThan, "ObjectSizeLessThan");
  if (lt !== undefined) f.sizeLessThan = lt;
  if (gt !== undefined && lt !== undefined && gt >= lt) {
    throw new S3Error(
      "InvalidArgument",
      "ObjectSizeGreaterThan must be less than ObjectSizeLessThan",
    );
  }
  return f;
}

const CONDITIONS = ["Prefix", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "Tag"];

function parseFilter(v: XmlValue): LifecycleFilter {
  const f = children(v, "Filter", [...CONDITIONS, "And"]);
  const count = Object.keys(f).filter((k) => k !== "#text").length;
  if (count > 1) throw malformed("a <Filter> with several conditions holds them in <And>");
  return f.And === undefined
    ? conditions(f)
    : conditions(children(f.And, "And", CONDITIONS, "Tag"));
}

/** <Expiration>: Days or Date, or ExpiredObjectDeleteMarker alone. */
function parseExpiration(v: XmlValue): { expiration?: LifecycleExpiration; marker?: boolean } {
  const e = children(v, "Expiration", ["Days", "Date", "ExpiredObjectDeleteMarker"]);
  if (e.ExpiredObjectDeleteMarker !== undefined) {
    const flag = xmlToken(e.ExpiredObjectDeleteMarker);
    if (flag !== "true" && flag !== "false") {
      throw malformed("<ExpiredObjectDeleteMarker> is true or false");
    }
    if (e.Days !== undefined || e.Date !== undefined) {
      throw new S3Error(
        "InvalidArgument",
        "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy",
      );
    }
    return { marker: flag === "true" };
  }
  return { expiration: parseDaysOrDate(e) };
}

function parseNoncurrent(v: XmlValue): { days: number; newer?: number } {
  const e = children(v, "NoncurrentVersionExpiration", [
    "NoncurrentDays",
    "NewerNoncurrentVersions",
  ]);
  const days = positiveDays(e.NoncurrentDays, "NoncurrentDays", "NoncurrentVersionExpiration");
  if (e.NewerNoncurrentVersions === undefined) return { days };
  const newer = positiveDays(
    e.NewerNoncurrentVersions,
    "NewerNoncurrentVersions",
    "NoncurrentVersionExpiration",
  );
  if (newer > 100) {
    throw new S3Error("InvalidArgument", "NewerNoncurrentVersions must be at most 100");
  }
  return { days, newer };
}

function parseDaysOrDate(e: XmlObject): LifecycleExpiration {
  if ((e.Days === undefined) === (e.Date === undefined)) {
    throw malformed("<Expiration> holds either <Days> or <Date>");
  }
  if (e.Days !== undefined) return { days: positiveDays(e.Days, "Days", "Expiration") };
  const date = parseIsoDate(xmlToken(e.Date) ?? "");
  if (date === undefined) throw malformed("<Date> must be an ISO 8601 date");
  if (!isMidnightUtc(date)) throw new S3Error("InvalidArgument", "'Date' must be at midnight GMT");
  return { date };
}

function parseRule(v: XmlValue): LifecycleRule {
  const r = children(v, "Rule", [
    "ID",
    "Status",
    "Filter",
    "Prefix",
    "Expiration",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
  ]);
  const status = xmlToken(r.Status);
  if (status !== "Enabled" && status !== "Disabled") {
    throw malformed("a rule's <Status> is Enabled or Disabled");
  }
  if (r.Filter !== undefined && r.Prefix !== undefined) {
    throw malformed("a rule has a <Filter> or a <Prefix>, not both");
  }
  // Neither means the whole bucket, as Garage and older clients have it.
  const prefix = xmlText(r.Prefix);
  // A rule without an ID gets one, as S3 gives it, so that it can be told apart when read back.
  const id = xmlText(r.ID) ?? randomHex(16);
  if (id.length > MAX_ID_LENGTH) {
    throw new S3Error(
      "InvalidArgument",
      `ID length should not exceed allowed limit of ${MAX_ID_LENGTH}`,
    );
  }
  const rule: LifecycleRule = {
    id,
    enabled: status === "Enabled",
    filter: r.Filter !== undefined ? parseFilter(r.Filter) : prefix !== undefined ? { prefix } : {},
  };
  if (r.Filter === undefined && prefix !== undefined) rule.legacyPrefix = true;
  if (r.Expiration !== undefined) {
    const { expiration, marker } = parseExpiration(r.Expiration);
    if (expiration) rule.expiration = expiration;
    if (marker) rule.expiredObjectDeleteMarker = true;
    if (marker && rule.filter.tags?.length) {
      throw new S3Error(
        "InvalidRequest",
        "ExpiredObjectDeleteMarker cannot be specified with a Tag filter: a delete marker has no tags.",
      );
    }
  }
  if (r.NoncurrentVersionExpiration !== undefined) {
    rule.noncurrent = parseNoncurrent(r.NoncurrentVersionExpiration);
  }
  if (r.AbortIncompleteMultipartUpload !== undefined) {
    const a = children(r.AbortIncompleteMultipartUpload, "AbortIncompleteMultipartUpload", [
      "DaysAfterInitiation",
    ]);
    rule.abortIncompleteUploadDays = positiveDays(
      a.DaysAfterInitiation,
      "DaysAfterInitiation",
      "AbortIncompleteMultipartUpload",
    );
  }
  if (rule.abortIncompleteUploadDays !== undefined && rule.filter.tags?.length) {
    throw new S3Error(
      "InvalidRequest",
      "AbortIncompleteMultipartUpload cannot be specified with Tags: an upload has none yet.",
    );
  }
  const actions = [
    rule.expiration,
    rule.expiredObjectDeleteMarker,
    rule.noncurrent,
    rule.abortIncompleteUploadDays,
  ];
  if (actions.every((a) => a === undefined)) {
    throw new S3Error("InvalidRequest", "At least one action needs to be specified in a rule");
  }
  return rule;
}

export function parseLifecycle(text: string): LifecycleRule[] {
  const doc = children(
    parseXmlBody(text, "LifecycleConfiguration"),
    "LifecycleConfiguration",
    ["Rule"],
    "Rule",
  );
  const rules = xmlList(doc.Rule).map(parseRule);
  if (rules.length === 0) throw malformed("a LifecycleConfiguration holds at least one <Rule>");
  if (rules.length > MAX_RULES) throw malformed(`at most ${MAX_RULES} rules are allowed`);
  const ids = rules.flatMap((r) => r.id === undefined ? [] : [r.id]);
  if (new Set(ids).size !== ids.length) {
    throw new S3Error(
      "InvalidArgument",
      "Rule ID must be unique. Found same ID for more than one rule",
    );
  }
  return rules;
}

/** Refuses rules too large to keep in the bucket entry. */
export function checkLifecycleSize(rules: LifecycleRule[]): void {
  if (JSON.stringify(rules).length > MAX_STORED_BYTES) {
    throw new S3Error(
      "InvalidRequest",
      `This lifecycle configuration is too large: its rules must fit in ${MAX_STORED_BYTES} bytes.`,
    );
  }
}

function filterXml(f: LifecycleFilter): XmlElements {
  const c = {
    Prefix: f.prefix,
    ObjectSizeGreaterThan: f.sizeGreaterThan,
    ObjectSizeLessThan: f.sizeLessThan,
    Tag: f.tags?.map(([Key, Value]) => ({ Key, Value })),
  };
  const count =
    [c.Prefix, c.ObjectSizeGreaterThan, c.ObjectSizeLessThan].filter((x) => x !== undefined)
      .length + (f.tags?.length ?? 0);
  return count > 1 ? { And: c } : c;
}

function expirationXml(e: LifecycleExpiration): XmlElements {
  return "days" in e ? { Days: e.days } : { Date: new Date(e.date).toISOString() };
}

/** The rules as the elements of a LifecycleConfiguration. */
export function lifecycleElements(rules: LifecycleRule[]): XmlElements {
  return {
    Rule: rules.map((r) => ({
      ID: r.id,
      Prefix: r.legacyPrefix ? r.filter.prefix : undefined,
      Filter: r.legacyPrefix ? undefined : filterXml(r.filter),
      Status: r.enabled ? "Enabled" : "Disabled",
      Expiration: r.expiration
        ? expirationXml(r.expiration)
        : r.expiredObjectDeleteMarker
        ? { ExpiredObjectDeleteMarker: true }
        : undefined,
      NoncurrentVersionExpiration: r.noncurrent && {
        NoncurrentDays: r.noncurrent.days,
        NewerNoncurrentVersions: r.noncurrent.newer,
      },
      AbortIncompleteMultipartUpload: r.abortIncompleteUploadDays === undefined
        ? undefined
        : { DaysAfterInitiation: r.abortIncompleteUploadDays },
    })),
  };
}

/** The rules as a LifecycleConfiguration document. */
export function lifecycleDocument(rules: LifecycleRule[]): string {
  return xmlDocument("LifecycleConfiguration", lifecycleElements(rules));
}
