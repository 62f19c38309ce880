/**
 * Evaluating a bucket policy for one request, as AWS does: an explicit Deny wins, then an
 * Allow; a statement whose condition cannot be judged here counts as matching when it denies
 * and as not matching when it allows. Whether a policy is public follows AWS's rule.
 */
import { globMatch } from "./policy_actions.ts";
import { isRestricting, judge, type RequestContext, UNKNOWN } from "./policy_conditions.ts";
import type { Policy, Principals, Statement } from "./policy.ts";

export interface AccessRequest {
  /** The access key id, or null for an anonymous request. */
  principal: string | null;
  /** The action, lower case ("s3:getobject"). */
  action: string;
  /** Every name the bucket answers to: a statement naming any of them applies. */
  bucketNames: string[];
  /** The object key, for an action on an object. */
  key?: string;
  context: RequestContext;
}

export type Decision = "Allow" | "Deny" | undefined;

function principalIn(p: Principals, who: string | null): boolean {
  return p.everyone || (who !== null && p.keys.includes(who));
}

function arnsOf(r: AccessRequest): string[] {
  return r.bucketNames.map((b) => `arn:aws:s3:::${b}${r.key === undefined ? "" : "/" + r.key}`);
}

function anyMatch(patterns: string[], values: string[]): boolean {
  return patterns.some((p) => p === "*" || values.some((v) => globMatch(p, v)));
}

/** Whether a statement applies to the request, conditions aside. */
function covers(s: Statement, r: AccessRequest): boolean {
  if (s.principal && !principalIn(s.principal, r.principal)) return false;
  if (s.notPrincipal && principalIn(s.notPrincipal, r.principal)) return false;
  if (s.actions && !anyMatch(s.actions, [r.action])) return false;
  if (s.notActions && anyMatch(s.notActions, [r.action])) return false;
  const arns = arnsOf(r);
  if (s.resources && !anyMatch(s.resources, arns)) return false;
  if (s.notResources && anyMatch(s.notResources, arns)) return false;
  return true;
}

export function evaluate(policy: Policy, r: AccessRequest, publicIgnored = false): Decision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!covers(s, r)) continue;
    const deny = s.effect === "Deny";
    if (!deny && (allowed || (publicIgnored && isPublicStatement(s)))) continue;
    let holds = true;
    for (const c of s.conditions) {
      const v = judge(c, r.context);
      if (v === UNKNOWN ? !deny : !v) {
        holds = false;
        break;
      }
    }
    if (!holds) continue;
    if (deny) return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : undefined;
}

/** An Allow for everyone that no condition narrows to fixed callers (AWS's "public"). */
export function isPublicStatement(s: Statement): boolean {
  if (s.effect !== "Allow") return false;
  const everyone = s.principal?.everyone || s.notPrincipal !== undefined;
  return !!everyone && !s.conditions.some(isRestricting);
}

/** Whether a policy grants anything to everyone (GetBucketPolicyStatus's IsPublic). */
export function isPublicPolicy(policy: Policy): boolean {
  return policy.statements.some(isPublicStatement);
}
