/**
 * A bucket's CORS rules and how a browser request is matched against them, as S3 does: the
 * first rule whose origin, method and (for a preflight) every requested header are allowed.
 */

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** The methods a CORS rule may allow. */
export const CORS_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/** A pattern with at most one `*`, which stands for any run of characters. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) &&
    value.endsWith(tail);
}

/** `Access-Control-Request-Headers` as a list of lower-case names. */
export function requestedHeaders(header: string | null): string[] {
  if (!header) return [];
  return header.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
}

export function matchingRule(
  rules: CorsRule[],
  origin: string,
  method: string,
  headers: string[] = [],
): CorsRule | undefined {
  return rules.find((r) =>
    r.allowedOrigins.some((o) => wildcardMatch(o, origin)) &&
    r.allowedMethods.includes(method) &&
    headers.every((h) => r.allowedHeaders.some((a) => wildcardMatch(a.toLowerCase(), h)))
  );
}

/**
 * Headers answering a request from `origin` that `rule` allows. A rule open to every origin
 * answers `*` and grants no credentials; a rule naming origins echoes the one that matched.
 */
export function corsHeaders(
  rule: CorsRule,
  origin: string,
  preflight?: { headers: string[] },
): Record<string, string> {
  const any = rule.allowedOrigins.includes("*");
  const h: Record<string, string> = {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
  };
  if (!any) h["access-control-allow-credentials"] = "true";
  if (preflight && preflight.headers.length) {
    h["access-control-allow-headers"] = preflight.headers.join(", ");
  }
  if (rule.exposeHeaders.length) {
    h["access-control-expose-headers"] = rule.exposeHeaders.join(", ");
  }
  if (rule.maxAgeSeconds !== undefined) {
    h["access-control-max-age"] = String(rule.maxAgeSeconds);
  }
  h["vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
  return h;
}
