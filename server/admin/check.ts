/**
 * `GET /check?domain=`: whether this cluster serves a domain, for reverse proxies that get
 * TLS certificates on demand (Caddy's `on_demand_tls ask`), as Garage answers it. A name under
 * the S3 root domain needs only its bucket; any other name must be a website.
 */
import { resolveBucket } from "../model/buckets/bucket_ops.ts";
import type { System } from "../rpc/system.ts";
import type { Model } from "../model/model.ts";
import { bucketOfHost, hostName } from "../util/host.ts";
import { AdminError } from "./errors.ts";

export function checkDomain(sys: System, model: Model, domain: string | undefined): Response {
  if (!domain) {
    throw new AdminError(
      400,
      "InvalidRequest",
      "Give the domain to check: /check?domain=example.com",
    );
  }
  const name = hostName(domain);
  const { s3Api, s3Web } = sys.config;
  const s3Bucket = bucketOfHost(name, s3Api.rootDomain);
  const bucket = resolveBucket(
    model,
    s3Bucket ?? bucketOfHost(name, s3Web?.rootDomain) ?? name,
  );
  const served = bucket !== undefined && (s3Bucket !== undefined || bucket.website.v !== null);
  if (!served) {
    throw new AdminError(
      400,
      "InvalidRequest",
      `Domain '${domain}' is not managed by Remise: no bucket has it (or its name under a root domain) as a global alias${
        s3Bucket === undefined ? " with website access enabled" : ""
      }.`,
    );
  }
  return new Response(`Domain '${domain}' is managed by Remise\n`, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}
