/** Where a request points: bucket and key, path-style or virtual-host style. */
import { bucketOfHost, hostName } from "../util/host.ts";
import type { RequestTarget } from "../util/target.ts";
import { S3Error } from "../api/error.ts";

/** Bucket and key from the Host header (virtual-host style) or the path (path style). */
export function locate(
  url: Pick<RequestTarget, "host" | "pathname">,
  host: string | null,
  rootDomain?: string,
): { bucket?: string; key?: string } {
  const hostname = hostName(host ?? url.host);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
  };
  const path = url.pathname;
  const bucket = bucketOfHost(hostname, rootDomain);
  if (bucket !== undefined) {
    return { bucket, key: path.length > 1 ? decode(path.slice(1)) : undefined };
  }
  const rest = path.slice(1);
  if (rest === "") return {};
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: decode(rest) };
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash)), key: key === "" ? undefined : decode(key) };
}
