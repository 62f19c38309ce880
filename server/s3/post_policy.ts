/**
 * The policy document of a browser form upload: when it expires, and the conditions every
 * field of the form must meet. A field no condition names is refused, as S3 refuses it.
 */
import { S3Error } from "../api/error.ts";

/** Form fields by lower-case name. */
export type FormFields = Map<string, string>;

export interface Policy {
  expiration: number;
  conditions: unknown[];
}

/** Fields that are the request's signature itself, never named by a condition. */
const EXEMPT = new Set(["policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"]);

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function invalidPolicy(why: string): S3Error {
  return new S3Error("InvalidPolicyDocument", `Invalid Policy: ${why}`);
}

function refused(why: string): S3Error {
  return new S3Error("AccessDenied", `Invalid according to Policy: ${why}`);
}

export function parsePolicy(base64: string): Policy {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))),
    );
  } catch {
    throw invalidPolicy("the policy is not base64-encoded JSON.");
  }
  // ISO 8601 in UTC, as S3 asks: Date.parse alone would take "2030-01-01 10:00" in local time.
  const expiration = typeof doc?.expiration === "string" && ISO_UTC.test(doc.expiration)
    ? Date.parse(doc.expiration)
    : NaN;
  if (Number.isNaN(expiration)) {
    throw invalidPolicy(
      "Invalid 'expiration' value: expected ISO 8601 in UTC (2030-01-31T12:00:00Z).",
    );
  }
  if (!Array.isArray(doc.conditions)) throw invalidPolicy("Invalid 'conditions' value.");
  return { expiration, conditions: doc.conditions };
}

/**
 * Checks the form against the policy; returns the content-length-range when there is one.
 * `actual` holds what the fields resolve to (the bucket named by the URL, the final key).
 */
export function checkPolicy(
  policy: Policy,
  fields: FormFields,
  actual: { bucket: string; key: string },
  now = Date.now(),
): { min: number; max: number } | undefined {
  if (policy.expiration < now) throw refused("Policy expired.");
  const value = (name: string) =>
    name === "bucket" ? actual.bucket : name === "key" ? actual.key : fields.get(name);
  const covered = new Set<string>();
  let range: { min: number; max: number } | undefined;
  const check = (op: string, rawName: unknown, expected: unknown, text: string) => {
    if (typeof rawName !== "string" || typeof expected !== "string") {
      throw invalidPolicy(`condition ${text} is malformed.`);
    }
    const name = rawName.replace(/^\$/, "").toLowerCase();
    covered.add(name);
    const got = value(name);
    // A Content-Type may list several types: each must meet a starts-with, as S3 reads it.
    const ok = got !== undefined &&
      (op === "eq"
        ? got === expected
        : (name === "content-type" ? got.split(",") : [got]).every((v) =>
          v.trim().startsWith(expected)
        ));
    if (!ok) throw refused(`Policy Condition failed: ${text}`);
  };
  for (const c of policy.conditions) {
    const text = JSON.stringify(c);
    if (Array.isArray(c)) {
      // Only strings and numbers are read: String() or Number() of a JSON object would run
      // whatever its own "toString" names.
      const op = typeof c[0] === "string" ? c[0].toLowerCase() : "";
      if (op === "content-length-range") {
        const [min, max] = [c[1], c[2]].map((v) =>
          typeof v === "number" || typeof v === "string" ? Number(v) : NaN
        );
        if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || min > max) {
          throw invalidPolicy(`condition ${text} is malformed.`);
        }
        range = { min, max };
      } else if (op === "eq" || op === "starts-with") {
        if (c.length !== 3) throw invalidPolicy(`condition ${text} is malformed.`);
        check(op, c[1], c[2], text);
      } else {
        throw invalidPolicy(`Unknown condition ${text}.`);
      }
    } else if (c && typeof c === "object") {
      const entries = Object.entries(c);
      if (entries.length !== 1) throw invalidPolicy(`condition ${text} is malformed.`);
      check("eq", entries[0][0], entries[0][1], text);
    } else {
      throw invalidPolicy(`condition ${text} is malformed.`);
    }
  }
  const extra = [...fields.keys()].filter((n) =>
    !EXEMPT.has(n) && !n.startsWith("x-ignore-") && !covered.has(n)
  );
  if (extra.length) throw refused(`Extra input fields: ${extra.join(", ")}`);
  return range;
}
