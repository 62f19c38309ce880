/**
 * What can change on a version after it is written: its object lock (a retention, GOVERNANCE or
 * COMPLIANCE until a date, and a legal hold) and its tags, each merged as a CRDT on every copy
 * of the version, and its canned ACL. COMPLIANCE only grows: of two retentions one of which is COMPLIANCE, the merge
 * keeps COMPLIANCE with the later date, whatever the order the changes were made in, so no
 * replica, repair or late message can shorten it.
 */
export type LockMode = "GOVERNANCE" | "COMPLIANCE";

export interface Retention {
  mode: LockMode;
  /** Retained until this time (ms); 0 when a GOVERNANCE retention was removed. */
  until: number;
  /** When this retention was set (ms), for last-writer-wins between GOVERNANCE changes. */
  at: number;
}

export interface LegalHold {
  on: boolean;
  at: number;
}

/** An object's tags (at most 10), with when they were set, last writer wins. */
export interface TagSet {
  tags: Array<[string, string]>;
  at: number;
}

/** An object's canned ACL (see buckets/access.ts), last writer wins. */
export interface AclSetting {
  acl: string;
  at: number;
}

export interface VersionSettings {
  retention?: Retention;
  legalHold?: LegalHold;
  tags?: TagSet;
  acl?: AclSetting;
}

export function mergeRetention(a?: Retention, b?: Retention): Retention | undefined {
  if (!a || !b) return a ?? b;
  const ca = a.mode === "COMPLIANCE", cb = b.mode === "COMPLIANCE";
  if (ca && cb) return a.until >= b.until ? a : b;
  if (ca !== cb) return ca ? a : b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.until >= b.until ? a : b;
}

export function mergeLegalHold(a?: LegalHold, b?: LegalHold): LegalHold | undefined {
  if (!a || !b) return a ?? b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.on ? a : b;
}

function mergeTags(a?: TagSet, b?: TagSet): TagSet | undefined {
  if (!a || !b) return a ?? b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return JSON.stringify(a.tags) >= JSON.stringify(b.tags) ? a : b;
}

function mergeAcl(a?: AclSetting, b?: AclSetting): AclSetting | undefined {
  if (!a || !b) return a ?? b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.acl >= b.acl ? a : b;
}

/** The settings of two copies of one version, merged (absent fields stay absent). */
export function mergeSettings(a: VersionSettings, b: VersionSettings): VersionSettings {
  const out: VersionSettings = {};
  const retention = mergeRetention(a.retention, b.retention);
  const legalHold = mergeLegalHold(a.legalHold, b.legalHold);
  const tags = mergeTags(a.tags, b.tags);
  if (retention) out.retention = retention;
  if (legalHold) out.legalHold = legalHold;
  if (tags) out.tags = tags;
  const acl = mergeAcl(a.acl, b.acl);
  if (acl) out.acl = acl;
  return out;
}

/** Why a version cannot be deleted now, or undefined if it can. */
export function lockedBy(
  v: VersionSettings,
  now: number,
  bypassGovernance: boolean,
): "legal hold" | "COMPLIANCE" | "GOVERNANCE" | undefined {
  if (v.legalHold?.on) return "legal hold";
  const r = v.retention;
  if (!r || r.until <= now) return undefined;
  if (r.mode === "COMPLIANCE") return "COMPLIANCE";
  return bypassGovernance ? undefined : "GOVERNANCE";
}
