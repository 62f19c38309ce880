import type { Call } from "./context.ts";
import { AdminError } from "./errors.ts";

/** Where links point: this node's S3 endpoint, by the name the operator reached the API by. */
export function s3Endpoint(c: Call): string {
  if (!c.deps.s3Url) {
    throw new AdminError(503, "ServiceUnavailable", "This node does not serve the S3 API");
  }
  const url = new URL(c.deps.s3Url);
  const asked = new URL(c.req.url).hostname;
  if (["0.0.0.0", "[::]"].includes(url.hostname) && asked) url.hostname = asked;
  return url.origin;
}
