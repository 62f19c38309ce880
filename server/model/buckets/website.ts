/**
 * How a bucket served as a website answers a path: index documents, routing rules and
 * redirects, as S3's website endpoints do.
 */

export interface RoutingRule {
  condition?: {
    keyPrefixEquals?: string;
    httpErrorCodeReturnedEquals?: number;
  };
  redirect: {
    hostName?: string;
    protocol?: "http" | "https";
    replaceKeyPrefixWith?: string;
    replaceKeyWith?: string;
    httpRedirectCode?: number;
  };
}

export interface WebsiteConfig {
  /** Appended to paths that end in `/`; empty when every request is redirected. */
  indexDocument: string;
  errorDocument: string | null;
  routingRules?: RoutingRule[];
  redirectAllRequestsTo?: { hostName: string; protocol?: "http" | "https" };
}

export interface Redirect {
  status: number;
  location: string;
}

/** The first rule for `key` that applies before the object is looked up (no error condition). */
export function ruleBeforeLookup(cfg: WebsiteConfig, key: string): RoutingRule | undefined {
  return cfg.routingRules?.find((r) =>
    r.condition?.httpErrorCodeReturnedEquals === undefined &&
    key.startsWith(r.condition?.keyPrefixEquals ?? "")
  );
}

/** The first rule for `key` that applies once the lookup ended with `status`. */
export function ruleOnError(
  cfg: WebsiteConfig,
  key: string,
  status: number,
): RoutingRule | undefined {
  return cfg.routingRules?.find((r) =>
    r.condition?.httpErrorCodeReturnedEquals === status &&
    key.startsWith(r.condition?.keyPrefixEquals ?? "")
  );
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * Where a rule sends a request for `key`. Without a host name or protocol the redirect stays
 * on the site (a path), so it holds whatever scheme the site is reached by.
 */
export function redirectOf(rule: RoutingRule, key: string, requestHost: string): Redirect {
  const r = rule.redirect;
  let target = key;
  if (r.replaceKeyWith !== undefined) target = r.replaceKeyWith;
  else if (r.replaceKeyPrefixWith !== undefined) {
    const prefix = rule.condition?.keyPrefixEquals ?? "";
    target = r.replaceKeyPrefixWith + key.slice(prefix.length);
  }
  const path = "/" + encodeKey(target);
  const status = r.httpRedirectCode ?? 301;
  if (r.hostName === undefined && r.protocol === undefined) return { status, location: path };
  return {
    status,
    location: `${r.protocol ?? "http"}://${r.hostName ?? requestHost}${path}`,
  };
}

/** The redirect of a site whose every request goes elsewhere, keeping path and query. */
export function redirectAll(cfg: WebsiteConfig, pathAndQuery: string): Redirect | undefined {
  const to = cfg.redirectAllRequestsTo;
  if (!to) return undefined;
  return { status: 301, location: `${to.protocol ?? "http"}://${to.hostName}${pathAndQuery}` };
}

/**
 * Where an object's x-amz-website-redirect-location may send a visitor: a path of this site or
 * an http(s) URL. A browser takes "//host" and "/\host" for another host and runs
 * "javascript:" URLs, so those would turn a site into an open redirect or a script.
 */
export function isSafeRedirectLocation(location: string): boolean {
  return /^\/(?![/\\])/.test(location) || /^https?:\/\/[^/\\]/i.test(location);
}
