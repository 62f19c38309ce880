/**
 * The Condition block of a policy statement: operators, the keys Remise knows the value of, and
 * how a condition is judged against a request. Anything else is refused when the policy is set:
 * a condition this server cannot judge must not silently hold or fail.
 */
import { globMatch } from "./policy_actions.ts";
import { inRange, type IpRange, isEverywhere, parseIp, parseIpRange } from "./ip_range.ts";

type Kind = "string" | "numeric" | "date" | "bool" | "ip" | "null";

/** Operators by lower-case name: the kind of values they compare, and whether negated. */
// Maps, not objects: a policy's own words ("constructor", "__proto__") are looked up here.
const OPERATORS = new Map<string, { kind: Kind; test: string; negated: boolean }>();
function operator(name: string, kind: Kind, test: string, negated = false): void {
  OPERATORS.set(name.toLowerCase(), { kind, test, negated });
}
operator("StringEquals", "string", "eq");
operator("StringNotEquals", "string", "eq", true);
operator("StringEqualsIgnoreCase", "string", "eqi");
operator("StringNotEqualsIgnoreCase", "string", "eqi", true);
operator("StringLike", "string", "like");
operator("StringNotLike", "string", "like", true);
for (const kind of ["numeric", "date"] as const) {
  const cap = kind === "numeric" ? "Numeric" : "Date";
  operator(`${cap}Equals`, kind, "eq");
  operator(`${cap}NotEquals`, kind, "eq", true);
  operator(`${cap}LessThan`, kind, "lt");
  operator(`${cap}LessThanEquals`, kind, "le");
  operator(`${cap}GreaterThan`, kind, "gt");
  operator(`${cap}GreaterThanEquals`, kind, "ge");
}
operator("Bool", "bool", "eq");
operator("IpAddress", "ip", "in");
operator("NotIpAddress", "ip", "in", true);
operator("Null", "null", "null");

/** Operators AWS has that compare what Remise never holds (ARNs, binary values). */
const UNSUPPORTED_OPERATORS = [
  "arnequals",
  "arnlike",
  "arnnotequals",
  "arnnotlike",
  "binaryequals",
];

/** Condition keys by lower-case name, with the kinds of operator that fit them. */
const KEYS = new Map<string, Kind[]>(Object.entries({
  "aws:sourceip": ["ip"],
  "aws:securetransport": ["bool"],
  "aws:currenttime": ["date"],
  "aws:epochtime": ["date", "numeric"],
  "aws:referer": ["string"],
  "aws:useragent": ["string"],
  "aws:principaltype": ["string"],
  "aws:userid": ["string"],
  "s3:prefix": ["string"],
  "s3:delimiter": ["string"],
  "s3:max-keys": ["numeric"],
  "s3:versionid": ["string"],
  "s3:signatureversion": ["string"],
  "s3:authtype": ["string"],
}));

/** Condition keys whose value is a request header, by lower-case key name. */
export const HEADER_KEYS = new Map<string, string>(Object.entries({
  "s3:x-amz-acl": "x-amz-acl",
  "s3:x-amz-copy-source": "x-amz-copy-source",
  "s3:x-amz-metadata-directive": "x-amz-metadata-directive",
  "s3:x-amz-tagging-directive": "x-amz-tagging-directive",
  "s3:x-amz-storage-class": "x-amz-storage-class",
  "s3:x-amz-content-sha256": "x-amz-content-sha256",
  "s3:x-amz-website-redirect-location": "x-amz-website-redirect-location",
  "s3:x-amz-server-side-encryption": "x-amz-server-side-encryption",
  "s3:x-amz-server-side-encryption-customer-algorithm":
    "x-amz-server-side-encryption-customer-algorithm",
  "s3:x-amz-server-side-encryption-aws-kms-key-id": "x-amz-server-side-encryption-aws-kms-key-id",
  "s3:x-amz-grant-read": "x-amz-grant-read",
  "s3:x-amz-grant-write": "x-amz-grant-write",
  "s3:x-amz-grant-read-acp": "x-amz-grant-read-acp",
  "s3:x-amz-grant-write-acp": "x-amz-grant-write-acp",
  "s3:x-amz-grant-full-control": "x-amz-grant-full-control",
  "s3:object-lock-mode": "x-amz-object-lock-mode",
  "s3:object-lock-legal-hold": "x-amz-object-lock-legal-hold",
  "s3:object-lock-retain-until-date": "x-amz-object-lock-retain-until-date",
}));
for (const k of HEADER_KEYS.keys()) {
  KEYS.set(k, k === "s3:object-lock-retain-until-date" ? ["date", "string"] : ["string"]);
}
const TAG_KEY = "s3:existingobjecttag/";

export interface Condition {
  /** The operator as written, for messages. */
  operator: string;
  kind: Kind;
  test: string;
  negated: boolean;
  ifExists: boolean;
  set?: "any" | "all";
  /** The condition key, lower case (an object tag's own key keeps its case). */
  key: string;
  values: string[];
}

/** A request's value for a condition key: absent, or not known to this server (see judge). */
export const UNKNOWN = Symbol("unknown");
export type ContextValue = string | undefined | typeof UNKNOWN;
export type RequestContext = (key: string) => ContextValue;

export class PolicyError extends Error {}

function scalar(v: unknown, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new PolicyError(
    `Invalid value for condition ${where}: expected a string, number or boolean`,
  );
}

function checkValue(kind: Kind, v: string, where: string): void {
  const ok = kind === "numeric"
    ? v.trim() !== "" && Number.isFinite(Number(v))
    : kind === "date"
    ? dateOf(v) !== undefined
    : kind === "bool" || kind === "null"
    ? v === "true" || v === "false"
    : kind === "ip"
    ? parseIpRange(v) !== undefined
    : true;
  if (!ok) throw new PolicyError(`Invalid ${kind} value "${v}" for condition ${where}`);
}

/** A date as ISO 8601 or as seconds since the epoch (AWS takes both); milliseconds. */
function dateOf(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new PolicyError(`${what} must be a JSON object`);
  }
  return v as Record<string, unknown>;
}

/** The Condition block of a statement, checked whole. */
export function parseConditions(block: unknown): Condition[] {
  const out: Condition[] = [];
  for (const [rawOp, keys] of Object.entries(asObject(block, "Condition"))) {
    let name = rawOp.toLowerCase();
    let set: Condition["set"];
    if (name.startsWith("foranyvalue:")) set = "any";
    else if (name.startsWith("forallvalues:")) set = "all";
    if (set) name = name.slice(name.indexOf(":") + 1);
    const ifExists = name.endsWith("ifexists") && name !== "ifexists";
    if (ifExists) name = name.slice(0, -"ifexists".length);
    const op = OPERATORS.get(name);
    if (!op || (ifExists && op.kind === "null")) {
      throw new PolicyError(
        UNSUPPORTED_OPERATORS.includes(name)
          ? `Condition operator ${rawOp} is not supported by this server`
          : `Invalid Condition type: ${rawOp}`,
      );
    }
    for (const [rawKey, rawValues] of Object.entries(asObject(keys, `Condition ${rawOp}`))) {
      const lower = rawKey.toLowerCase();
      const tag = lower.startsWith(TAG_KEY) && rawKey.length > TAG_KEY.length;
      const kinds = tag ? ["string" as Kind] : KEYS.get(lower);
      if (!kinds) throw new PolicyError(`Policy has an invalid condition key: ${rawKey}`);
      if (op.kind !== "null" && !kinds.includes(op.kind)) {
        throw new PolicyError(`Condition operator ${rawOp} does not apply to the key ${rawKey}`);
      }
      const where = `${rawOp} ${rawKey}`;
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      if (list.length === 0) throw new PolicyError(`Condition ${where} has no value`);
      const values = list.map((v) => {
        const text = scalar(v, where);
        return op.kind === "bool" || op.kind === "null" ? text.toLowerCase() : text;
      });
      for (const v of values) checkValue(op.kind, v, where);
      out.push({
        operator: rawOp,
        ...op,
        ifExists,
        set,
        key: tag ? TAG_KEY + rawKey.slice(TAG_KEY.length) : lower,
        values,
      });
    }
  }
  return out;
}

function compare(test: string, a: number, b: number): boolean {
  switch (test) {
    case "eq":
      return a === b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    case "gt":
      return a > b;
    default:
      return a >= b;
  }
}

/** Whether one request value matches one policy value (before negation). */
function matches(c: Condition, actual: string, expected: string): boolean {
  switch (c.kind) {
    case "string":
      if (c.test === "eqi") return actual.toLowerCase() === expected.toLowerCase();
      return c.test === "like" ? globMatch(expected, actual) : actual === expected;
    case "numeric":
      return compare(c.test, Number(actual), Number(expected));
    case "date": {
      const a = dateOf(actual);
      return a !== undefined && compare(c.test, a, dateOf(expected)!);
    }
    case "bool":
      return actual.toLowerCase() === expected;
    case "ip": {
      const ip = parseIp(actual);
      return ip !== undefined && inRange(ip, parseIpRange(expected) as IpRange);
    }
    default:
      return false;
  }
}

/**
 * Judges a condition: true, false, or UNKNOWN when the request's value cannot be known here
 * (a client address the server did not see). Statements treat UNKNOWN as the safe side: an
 * Allow does not apply, a Deny does.
 */
export function judge(c: Condition, ctx: RequestContext): boolean | typeof UNKNOWN {
  const actual = ctx(c.key);
  if (actual === UNKNOWN) return UNKNOWN;
  if (c.kind === "null") return (actual === undefined) === (c.values[0] === "true");
  if (actual === undefined) {
    // AWS: a missing key matches nothing, so a negated operator holds; ForAllValues holds on
    // an empty set; IfExists holds when there is nothing to compare.
    return c.ifExists || c.negated || c.set === "all";
  }
  const any = c.values.some((v) => matches(c, actual, v));
  return c.negated ? !any : any;
}

/** Whether a condition narrows who can use a statement to fixed callers (see policy_status). */
export function isRestricting(c: Condition): boolean {
  if (c.negated || c.ifExists) return false;
  if (c.key === "aws:sourceip") {
    return c.values.every((v) => !isEverywhere(parseIpRange(v)!));
  }
  if (c.key === "aws:userid") {
    return c.test === "eq" && c.values.every((v) => !/[*?]/.test(v));
  }
  return false;
}
