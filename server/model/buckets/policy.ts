/**
 * Bucket policies in AWS's JSON access policy language: the document is checked whole when it
 * is set (an unknown field, action, key or operator is refused by name, never ignored), then
 * kept as written and evaluated from its parsed form (policy_eval.ts).
 */
import { ACTIONS, actionsMatching, globMatch, type ResourceKind } from "./policy_actions.ts";
import { type Condition, parseConditions, PolicyError } from "./policy_conditions.ts";

export { PolicyError };

/** AWS's limit on a bucket policy's size. */
export const MAX_POLICY_BYTES = 20 * 1024;
const VERSIONS = ["2012-10-17", "2008-10-17"];
const ARN_PREFIX = "arn:aws:s3:::";

/** Who a statement is about: everyone (anonymous callers included), or these access keys. */
export interface Principals {
  everyone: boolean;
  keys: string[];
}

export interface Statement {
  sid?: string;
  effect: "Allow" | "Deny";
  principal?: Principals;
  notPrincipal?: Principals;
  /** Lower-case action patterns. */
  actions?: string[];
  notActions?: string[];
  /** ARN patterns. */
  resources?: string[];
  notResources?: string[];
  conditions: Condition[];
}

export interface Policy {
  statements: Statement[];
}

/**
 * What a policy is checked against when it is set: the names of its bucket, and which access
 * keys exist. A policy already set is read back without one (a key deleted since still parses).
 */
export interface PolicyScope {
  bucketNames: string[];
  keyExists: (id: string) => boolean;
}

const STATEMENT_FIELDS = [
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
];

function strings(v: unknown, field: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => typeof s === "string")) {
    throw new PolicyError(`${field} must be a string or a non-empty list of strings`);
  }
  return list as string[];
}

function parsePrincipal(v: unknown, scope?: PolicyScope): Principals {
  if (v === "*") return { everyone: true, keys: [] };
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new PolicyError(`Invalid principal in policy: ${JSON.stringify(v)}`);
  }
  const out: Principals = { everyone: false, keys: [] };
  for (const [type, ids] of Object.entries(v)) {
    if (type !== "AWS") {
      throw new PolicyError(
        `Invalid principal in policy: "${type}" (name access keys under "AWS", or "*" for everyone)`,
      );
    }
    for (const id of strings(ids, "Principal AWS")) {
      if (id === "*") out.everyone = true;
      else if (!scope || scope.keyExists(id)) out.keys.push(id);
      else throw new PolicyError(`Invalid principal in policy: no access key ${id}`);
    }
  }
  return out;
}

function parseActions(v: unknown, field: string): string[] {
  const out = strings(v, field).map((a) => a.toLowerCase());
  for (const [i, a] of out.entries()) {
    if ((a !== "*" && !a.startsWith("s3:")) || actionsMatching(a).length === 0) {
      throw new PolicyError(`Policy has invalid action: ${strings(v, field)[i]}`);
    }
  }
  return out;
}

/** The kind of resource an ARN pattern names (a bucket or objects), checked against the scope. */
function resourceKinds(arn: string, scope?: PolicyScope): ResourceKind[] {
  if (arn === "*") return ["bucket", "object"];
  if (!arn.startsWith(ARN_PREFIX)) throw new PolicyError(`Policy has invalid resource: ${arn}`);
  const rest = arn.slice(ARN_PREFIX.length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (scope && !scope.bucketNames.some((name) => globMatch(bucket, name))) {
    throw new PolicyError(
      `Policy has invalid resource: ${arn} (a bucket's policy names only that bucket and its objects)`,
    );
  }
  if (slash >= 0) return ["object"];
  // A pattern ending in a wildcard ("arn:aws:s3:::bucket*") also covers the bucket's objects.
  return /[*?]$/.test(bucket) ? ["bucket", "object"] : ["bucket"];
}

function parseStatement(raw: unknown, scope?: PolicyScope): Statement {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyError("Each Statement must be a JSON object");
  }
  const s = raw as Record<string, unknown>;
  for (const field of Object.keys(s)) {
    if (!STATEMENT_FIELDS.includes(field)) {
      throw new PolicyError(`Policy has an invalid field in a statement: ${field}`);
    }
  }
  if (s.Sid !== undefined && typeof s.Sid !== "string") {
    throw new PolicyError("Sid must be a string");
  }
  if (s.Effect === undefined) throw new PolicyError("Missing required field Effect");
  if (s.Effect !== "Allow" && s.Effect !== "Deny") {
    throw new PolicyError(`Invalid effect: ${JSON.stringify(s.Effect)}`);
  }
  const pair = (a: string, b: string) => {
    if (s[a] !== undefined && s[b] !== undefined) {
      throw new PolicyError(`A statement cannot have both ${a} and ${b}`);
    }
    if (s[a] === undefined && s[b] === undefined) {
      throw new PolicyError(`Missing required field ${a}`);
    }
  };
  pair("Principal", "NotPrincipal");
  pair("Action", "NotAction");
  pair("Resource", "NotResource");
  const st: Statement = {
    effect: s.Effect,
    conditions: s.Condition === undefined ? [] : parseConditions(s.Condition),
  };
  if (s.Sid !== undefined) st.sid = s.Sid as string;
  if (s.Principal !== undefined) st.principal = parsePrincipal(s.Principal, scope);
  if (s.NotPrincipal !== undefined) st.notPrincipal = parsePrincipal(s.NotPrincipal, scope);
  if (s.Action !== undefined) st.actions = parseActions(s.Action, "Action");
  if (s.NotAction !== undefined) st.notActions = parseActions(s.NotAction, "NotAction");
  const arns = strings(s.Resource ?? s.NotResource, s.Resource ? "Resource" : "NotResource");
  const kinds = new Set(arns.flatMap((arn) => resourceKinds(arn, scope)));
  if (s.Resource !== undefined) st.resources = arns;
  else st.notResources = arns;
  if (st.actions && st.resources) {
    const applies = st.actions.some((p) =>
      actionsMatching(p).some((a) => kinds.has(ACTIONS.get(a) as ResourceKind))
    );
    if (!applies) {
      throw new PolicyError("Action does not apply to any resource(s) in statement");
    }
  }
  return st;
}

/** Parses and checks a policy document; throws PolicyError saying what is wrong. */
export function parsePolicy(text: string, scope?: PolicyScope): Policy {
  if (new TextEncoder().encode(text).length > MAX_POLICY_BYTES) {
    throw new PolicyError(`Policies cannot exceed ${MAX_POLICY_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PolicyError("Policies must be valid JSON and the first byte must be '{'");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PolicyError("Policies must be valid JSON and the first byte must be '{'");
  }
  const d = doc as Record<string, unknown>;
  for (const field of Object.keys(d)) {
    if (!["Version", "Id", "Statement"].includes(field)) {
      throw new PolicyError(`Policy has an invalid field: ${field}`);
    }
  }
  if (d.Version !== undefined && !VERSIONS.includes(d.Version as string)) {
    throw new PolicyError(
      `The policy must contain a valid version string (${VERSIONS.join(" or ")})`,
    );
  }
  if (d.Id !== undefined && typeof d.Id !== "string") throw new PolicyError("Id must be a string");
  if (d.Statement === undefined) throw new PolicyError("Missing required field Statement");
  const raw = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  if (raw.length === 0) throw new PolicyError("Statement must not be empty");
  const statements = raw.map((s) => parseStatement(s, scope));
  const sids = statements.flatMap((s) => s.sid === undefined ? [] : [s.sid]);
  if (new Set(sids).size !== sids.length) {
    throw new PolicyError("Statement IDs (SID) in a single policy must be unique");
  }
  return { statements };
}
