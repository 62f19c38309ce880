/**
 * A bucket's lifecycle rules (S3 PutBucketLifecycleConfiguration without transitions:
 * expiration after a number of days or at a date, expiry of noncurrent versions and of lone
 * delete markers, aborting forgotten multipart uploads) and how an object, a version or an
 * upload is matched against them.
 */
import type { BucketEntry } from "../tables/bucket.ts";
import { bucketConfig } from "./bucket_ops.ts";

/** The key of the rules in a bucket's `config` map. */
export const LIFECYCLE_CONFIG = "lifecycle";

/** A real day; a lifecycle "day" is this long unless an operator shortens it (tests do). */
export const DAY_MS = 86_400_000;

export interface LifecycleFilter {
  prefix?: string;
  /** Objects strictly larger than this many bytes. */
  sizeGreaterThan?: number;
  /** Objects strictly smaller than this many bytes. */
  sizeLessThan?: number;
  /** Objects carrying every one of these tags. */
  tags?: Array<[string, string]>;
}

export type LifecycleExpiration =
  | { days: number }
  /** Milliseconds since the epoch, at midnight UTC. */
  | { date: number };

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  /** The prefix came as the rule's own <Prefix> (the older form): it is read back that way. */
  legacyPrefix?: boolean;
  expiration?: LifecycleExpiration;
  /** Delete markers with no version left behind them are removed (versioned buckets). */
  expiredObjectDeleteMarker?: boolean;
  /** Versions noncurrent for `days` are deleted, the `newer` newest noncurrent ones kept. */
  noncurrent?: { days: number; newer?: number };
  abortIncompleteUploadDays?: number;
}

/** What a rule looks at of an object or a version. */
export interface Candidate {
  key: string;
  size: number;
  tags?: Array<[string, string]>;
}

export function bucketLifecycle(b: BucketEntry): LifecycleRule[] | undefined {
  return bucketConfig<LifecycleRule[]>(b, LIFECYCLE_CONFIG);
}

/**
 * When something `days` days old is due: S3 adds the days to the creation time and rounds up
 * to the next midnight UTC, so everything made on one day expires together and one pass a day,
 * just after midnight, is on time.
 */
export function dueAt(created: number, days: number, dayMs: number): number {
  return Math.ceil((created + days * dayMs) / dayMs) * dayMs;
}

export function filterMatches(f: LifecycleFilter, c: Candidate): boolean {
  return c.key.startsWith(f.prefix ?? "") &&
    (f.sizeGreaterThan === undefined || c.size > f.sizeGreaterThan) &&
    (f.sizeLessThan === undefined || c.size < f.sizeLessThan) &&
    (f.tags ?? []).every(([k, v]) => c.tags?.some(([tk, tv]) => tk === k && tv === v));
}

/** Whether `rule` expires an object created at `created`, by `now`. */
export function objectExpires(
  rule: LifecycleRule,
  obj: Candidate & { created: number },
  now: number,
  dayMs: number,
): boolean {
  const exp = rule.expiration;
  if (!rule.enabled || !exp || !filterMatches(rule.filter, obj)) return false;
  return now >= ("days" in exp ? dueAt(obj.created, exp.days, dayMs) : exp.date);
}

/**
 * Whether `rule` deletes a noncurrent version: noncurrent since `since` (when the version after
 * it was written), `rank` newer noncurrent versions of its key before it (0 for the newest).
 */
export function noncurrentExpires(
  rule: LifecycleRule,
  v: Candidate & { since: number; rank: number },
  now: number,
  dayMs: number,
): boolean {
  const nc = rule.noncurrent;
  if (!rule.enabled || !nc || !filterMatches(rule.filter, v)) return false;
  return v.rank >= (nc.newer ?? 0) && now >= dueAt(v.since, nc.days, dayMs);
}

/** Whether `rule` removes a delete marker that no version of its key is left behind. */
export function markerExpires(rule: LifecycleRule, key: string): boolean {
  return rule.enabled && !!rule.expiredObjectDeleteMarker &&
    key.startsWith(rule.filter.prefix ?? "") && !rule.filter.tags?.length;
}

/**
 * Whether `rule` aborts an upload of this key initiated at `initiated`. Only the prefix
 * applies: the object an upload would make has no size yet.
 */
export function uploadExpires(
  rule: LifecycleRule,
  upload: { key: string; initiated: number },
  now: number,
  dayMs: number,
): boolean {
  const days = rule.abortIncompleteUploadDays;
  return rule.enabled && days !== undefined && upload.key.startsWith(rule.filter.prefix ?? "") &&
    now >= dueAt(upload.initiated, days, dayMs);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date or date and time, in milliseconds; undefined if it is none. */
export function parseIsoDate(text: string): number | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  // Date.parse rolls February 30 over to March: the calendar date must exist as written.
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  if (new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function isMidnightUtc(ms: number): boolean {
  return ms % DAY_MS === 0;
}
