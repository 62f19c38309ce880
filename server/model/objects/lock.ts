/**
 * Object lock: a bucket's lock configuration (on for good once on, with an optional default
 * retention), the lock a new version starts with, changes of retention and legal hold on a
 * version, and the check every path that deletes a version for good goes through.
 */
import type { Model } from "../model.ts";
import { lockConfigOf } from "../buckets/protection.ts";
import { ModelError } from "../errors.ts";
import type { BucketEntry } from "../tables/bucket.ts";
import type { LegalHold, Retention, VersionSettings } from "../tables/settings.ts";
import { type Complete, settingsTarget, updateSettings } from "./versions.ts";

const DAY_MS = 86_400_000;

/**
 * The settings a new version starts with: what the write asks for (lock, tags), and the
 * bucket's default retention when it asks for none.
 */
export function initialSettings(
  b: BucketEntry,
  asked: VersionSettings | undefined,
  now = Date.now(),
): VersionSettings {
  const lock: VersionSettings = { ...asked };
  const rule = lockConfigOf(b)?.rule;
  if (!lock.retention && rule) {
    const days = rule.days ?? (rule.years ?? 0) * 365;
    lock.retention = { mode: rule.mode, until: now + days * DAY_MS, at: now };
  }
  return lock;
}

/**
 * The version a retention or legal hold request names (the current one without an id), with
 * its settings merged: GetObjectRetention and GetObjectLegalHold read it as it is.
 */
export function readLock(
  model: Model,
  b: BucketEntry,
  key: string,
  versionId: string | undefined,
): Promise<Complete | undefined> {
  if (!lockConfigOf(b)) {
    throw new ModelError("badRequest", "Bucket is missing Object Lock Configuration");
  }
  return settingsTarget(model, b.id, key, versionId);
}

/**
 * PutObjectRetention. A COMPLIANCE retention can only be extended, by anyone; a GOVERNANCE one
 * can be shortened or removed only with `bypassGovernance` (the caller checked the key may).
 */
export async function setRetention(
  model: Model,
  b: BucketEntry,
  key: string,
  versionId: string | undefined,
  asked: Omit<Retention, "at"> | undefined,
  bypassGovernance: boolean,
  now = Date.now(),
): Promise<Complete | undefined> {
  const v = await readLock(model, b, key, versionId);
  if (!v) return undefined;
  const old = v.retention;
  if (old && old.until > now) {
    const weaker = !asked || asked.until < old.until ||
      (old.mode === "COMPLIANCE" && asked.mode !== "COMPLIANCE");
    if (weaker && (old.mode === "COMPLIANCE" || !bypassGovernance)) {
      throw new ModelError(
        "locked",
        `Access Denied: the version is under ${old.mode} retention until ${
          new Date(old.until).toISOString()
        }, which ${
          old.mode === "COMPLIANCE"
            ? "no one can shorten or remove"
            : "only a request with x-amz-bypass-governance-retention can shorten or remove"
        }.`,
      );
    }
  }
  const retention: Retention = asked
    ? { ...asked, at: now }
    : { mode: "GOVERNANCE", until: 0, at: now };
  await updateSettings(model, b.id, key, v, { retention });
  return v;
}

/** PutObjectLegalHold: anyone with write access may place or lift it. */
export async function setLegalHold(
  model: Model,
  b: BucketEntry,
  key: string,
  versionId: string | undefined,
  on: boolean,
): Promise<Complete | undefined> {
  const v = await readLock(model, b, key, versionId);
  if (!v) return undefined;
  const legalHold: LegalHold = { on, at: Date.now() };
  await updateSettings(model, b.id, key, v, { legalHold });
  return v;
}
