/** Bearer-token checks for the admin API and the metrics endpoint. */
import { createHash, timingSafeEqual } from "node:crypto";
import { AdminError } from "./errors.ts";

function digest(s: string): Uint8Array {
  return createHash("sha256").update(s).digest();
}

/** Compares without leaking, through timing, how much of the token matched. */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Throws 401 unless the request carries `Authorization: Bearer <one of tokens>`. */
export function requireBearer(req: Request, tokens: string[]): void {
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
  const token = m[1].trim();
  let ok = false;
  for (const t of tokens) if (sameToken(token, t)) ok = true;
  if (!ok) throw new AdminError(401, "AccessDenied", "Invalid bearer token");
}
