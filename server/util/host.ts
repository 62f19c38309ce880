/** Virtual-host addressing: which bucket a Host header names under a root domain. */

/** The host name of a Host header: lower case, without its port. */
export function hostName(host: string): string {
  return host.replace(/:\d+$/, "").toLowerCase();
}

/** `photos` for `photos.web.example.com` under `.web.example.com` (leading dot optional). */
export function bucketOfHost(hostname: string, rootDomain?: string): string | undefined {
  if (!rootDomain) return undefined;
  const suffix = rootDomain.startsWith(".") ? rootDomain : "." + rootDomain;
  return hostname.endsWith(suffix) && hostname.length > suffix.length
    ? hostname.slice(0, -suffix.length)
    : undefined;
}
