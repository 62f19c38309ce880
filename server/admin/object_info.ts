/**
 * GetBucketObjectInfo: one version of an object in detail, for the console's object details
 * panel: its stored headers and metadata, checksum, lock, tags and ACL, and whether anyone can
 * download it without a key (and by which URL).
 */
import type { BucketObjectInfo } from "../../shared/admin.ts";
import { anonymousRead, type CannedAcl } from "../model/buckets/access.ts";
import { globalAliases } from "../model/buckets/bucket_ops.ts";
import { settingsTarget } from "../model/objects/versions.ts";
import { versionIdOf } from "../model/tables/object.ts";
import { uriEncode } from "../api/auth/encode.ts";
import { validateKey } from "../api/keys.ts";
import type { Call, EndpointDef } from "./context.ts";
import { existingBucket } from "./buckets.ts";
import { s3Endpoint } from "./s3_endpoint.ts";
import { AdminError } from "./errors.ts";

const META = "x-amz-meta-";

async function objectInfo(c: Call): Promise<BucketObjectInfo> {
  const bucket = existingBucket(c.deps.model, c.query.required("bucketId", "the bucket's id"));
  const key = c.query.required("key", "the object's key");
  validateKey(key);
  const versionId = c.query.get("versionId") ?? undefined;
  if (versionId === "") {
    throw new AdminError(
      400,
      "InvalidRequest",
      "`versionId` is empty: leave it out for the current version.",
    );
  }
  const v = await settingsTarget(c.deps.model, bucket.id, key, versionId);
  const data = v?.state.data;
  if (!v || !data || data.t === "delete") {
    throw versionId === undefined
      ? new AdminError(
        404,
        "NoSuchKey",
        `No object ${key} in this bucket${data ? " (its latest version is a delete marker)" : ""}`,
      )
      : new AdminError(
        404,
        "NoSuchVersion",
        `Object ${key} has no version ${versionId}${data ? " that is not a delete marker" : ""}`,
      );
  }
  const { meta } = data;
  const headers: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  let contentType: string | null = null;
  for (const [name, value] of meta.headers) {
    if (name === "content-type") contentType = value;
    else if (name.startsWith(META)) metadata[name.slice(META.length)] = value;
    else headers[name] = value;
  }
  const acl = (v.acl?.acl ?? "private") as CannedAcl;
  const publicRead = anonymousRead(bucket, key, acl, c.deps.sys.config.s3Api.publicAccessBlock);
  const name = globalAliases(bucket)[0];
  const r = v.retention;
  return {
    key,
    versionId: versionIdOf(v),
    size: meta.size,
    lastModified: new Date(v.timestamp).toISOString(),
    etag: meta.etag,
    contentType,
    headers,
    metadata,
    checksum: meta.checksum
      ? {
        algorithm: meta.checksum.alg,
        value: meta.checksum.value,
        type: meta.checksum.type ?? "FULL_OBJECT",
      }
      : null,
    parts: meta.parts ?? null,
    encrypted: !!meta.sse,
    tags: (v.tags?.tags ?? []).map(([k, val]) => ({ key: k, value: val })),
    retention: r && r.until > Date.now()
      ? { mode: r.mode, retainUntil: new Date(r.until).toISOString() }
      : null,
    legalHold: v.legalHold?.on ?? false,
    acl,
    publicRead,
    publicUrl: publicRead && name && c.deps.s3Url
      ? `${s3Endpoint(c)}/${name}/${uriEncode(key, false)}${
        versionId === undefined ? "" : `?versionId=${encodeURIComponent(versionId)}`
      }`
      : null,
  };
}

export const objectInfoEndpoints: Record<string, EndpointDef> = {
  GetBucketObjectInfo: { query: ["bucketId", "key", "versionId"], run: objectInfo },
};
