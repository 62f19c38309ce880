/** Bearer-token checks for the admin API and the metrics endpoint: the root token or a scoped one. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Model } from "../model/model.ts";
import type { AdminTokenEntry } from "../model/tables/admin_token.ts";
import { isExpiredToken, tokenOfBearer } from "../model/tokens/admin_tokens.ts";
import { AdminError } from "./errors.ts";

function digest(s: string): Uint8Array {
  return createHash("sha256").update(s).digest();
}

/** Compares without leaking, through timing, how much of the token matched. */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The bearer token of `Authorization: Bearer <token>`; 401 when there is none. */
function bearerOf(req: Request): string {
  const header = req.headers.get("authorization");
  if (header === null) {
    throw new AdminError(
      401,
      "AccessDenied",
      "Bearer token must be provided in Authorization header (Authorization: Bearer <admin_token>)",
    );
  }
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) {
    throw new AdminError(
      401,
      "AccessDenied",
      'Invalid Authorization header: expected "Bearer <token>"',
    );
  }
  return m[1].trim();
}

/** Who calls: the configuration's root token, or one of the cluster's admin tokens. */
export type AdminCaller = "root" | AdminTokenEntry;

/** Endpoints any valid token may call, whatever its scope: asking what it may do. */
const ALWAYS = new Set(["GetCurrentAdminTokenInfo"]);

/**
 * The caller of `endpoint`: the root token (`admin_token`, and `rootTokens` such as the metrics
 * token for /metrics), or a live admin token whose scope names the endpoint or "*". Refused
 * with 401 for an unknown or expired token, 403 for one whose scope leaves the endpoint out.
 */
export function authorizeAdmin(
  model: Model,
  req: Request,
  endpoint: string,
  rootTokens: string[],
): AdminCaller {
  const token = bearerOf(req);
  let root = false;
  for (const t of rootTokens) if (sameToken(token, t)) root = true;
  if (root) return "root";
  const t = tokenOfBearer(model, token);
  if (!t) throw new AdminError(401, "AccessDenied", "Invalid bearer token");
  if (isExpiredToken(t)) {
    throw new AdminError(
      401,
      "AccessDenied",
      `The admin token ${t.id} (${t.name.v}) expired on ${new Date(t.expiration.v!).toISOString()}`,
    );
  }
  const scope = t.scope.v;
  if (!ALWAYS.has(endpoint) && !scope.includes("*") && !scope.includes(endpoint)) {
    throw new AdminError(
      403,
      "AccessDenied",
      `The admin token ${t.id} (${t.name.v}) may not call ${endpoint}: its scope is ${
        scope.length ? scope.join(", ") : "empty"
      }`,
    );
  }
  return t;
}
