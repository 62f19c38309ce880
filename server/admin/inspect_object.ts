/**
 * InspectObject, as Garage v2 has it: every version of a key as this cluster holds it (those
 * in the object entry, uploading and aborted ones included, then those kept in the history),
 * with its headers and the blocks its data is in.
 */
import type { InspectObjectResponse, InspectObjectVersion } from "../../shared/admin.ts";
import { keptVersions } from "../model/objects/versions.ts";
import { type ObjectVersion, versionIdOf } from "../model/tables/object.ts";
import type { Model } from "../model/model.ts";
import { validateKey } from "../api/keys.ts";
import type { Call, EndpointDef } from "./context.ts";
import { existingBucket } from "./buckets.ts";
import { AdminError } from "./errors.ts";

const BLOCK_PAGE = 1000;

async function describe(
  model: Model,
  v: ObjectVersion,
  kept: boolean,
): Promise<InspectObjectVersion> {
  const data = v.state.s === "complete" ? v.state.data : undefined;
  const meta = data && data.t !== "delete" ? data.meta : undefined;
  const out: InspectObjectVersion = {
    uuid: v.uuid,
    timestamp: new Date(v.timestamp).toISOString(),
    encrypted: !!meta?.sse,
    uploading: v.state.s === "uploading",
    aborted: v.state.s === "aborted",
    deleteMarker: data?.t === "delete",
    inline: data?.t === "inline",
    size: meta?.size ?? null,
    etag: meta?.etag ?? null,
    headers: meta?.headers ?? [],
    versionId: versionIdOf(v),
    kept,
  };
  if (data?.t === "blocks") {
    out.blocks = [];
    let start: string | undefined;
    for (;;) {
      const rows = await model.versions.range(v.uuid, { start, limit: BLOCK_PAGE });
      for (const r of rows) {
        if (!r.deleted) {
          out.blocks.push({ partNumber: r.part, offset: r.offset, hash: r.hash, size: r.size });
        }
      }
      if (rows.length < BLOCK_PAGE) break;
      start = model.versions.schema.sortKey(rows[rows.length - 1]) + "\u0000";
    }
  }
  return out;
}

async function inspectObject({ deps, query }: Call): Promise<InspectObjectResponse> {
  const bucket = existingBucket(deps.model, query.required("bucketId", "the bucket's id"));
  const key = query.required("key", "the object's key");
  validateKey(key);
  const model = deps.model;
  const versions: InspectObjectVersion[] = [];
  const entry = await model.objects.get(bucket.id, key);
  const seen = new Set<string>();
  for (const v of entry?.versions ?? []) {
    seen.add(v.uuid);
    versions.push(await describe(model, v, false));
  }
  for await (const h of keptVersions(model, bucket.id, key)) {
    if (h.purged || seen.has(h.version.uuid)) continue;
    versions.push(await describe(model, h.version, true));
  }
  if (versions.length === 0) {
    throw new AdminError(404, "NoSuchKey", `No object ${key} in bucket ${bucket.id}`);
  }
  return { bucketId: bucket.id, key, versions };
}

export const inspectObjectEndpoints: Record<string, EndpointDef> = {
  InspectObject: { query: ["bucketId", "key"], run: inspectObject },
};
