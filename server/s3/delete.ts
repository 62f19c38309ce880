/** DeleteObject and DeleteObjects. */
import { DELETE_BATCH, deleteCurrent } from "../model/objects/object_write.ts";
import { deleteVersion, findVersion } from "../model/objects/versions.ts";
import { lastComplete } from "../model/tables/object.ts";
import { versioningOf } from "../model/buckets/protection.ts";
import { etagMatches, preconditionFailed } from "../api/conditions.ts";
import { bypassGovernance } from "./object_lock.ts";
import { ModelError } from "../model/errors.ts";
import { toS3Error } from "../api/error_response.ts";
import { settleEach } from "../util/settle.ts";
import type { BucketContext, ObjectContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { authorizeFor } from "./access.ts";
import { S3Error } from "../api/error.ts";
import { validateKey } from "../api/keys.ts";
import { checkVersionId } from "./unsupported.ts";
import { parseXmlBody, xmlList, xmlText, xmlToken } from "../api/xml.ts";

/** What deleting one key (or one version of it) did, as S3 reports it. */
interface Deleted {
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
}

/** What a conditional delete requires of the version it deletes (each optional). */
interface DeleteConditions {
  etag?: string;
  /** Seconds resolution. */
  lastModified?: number;
  size?: number;
}

function invalid(name: string, value: string): S3Error {
  return new S3Error("InvalidArgument", `${name} is not valid`, {
    ArgumentName: name,
    ArgumentValue: value,
  });
}

function conditionsOf(etag?: string, lastModified?: string, size?: string): DeleteConditions {
  const c: DeleteConditions = {};
  if (etag !== undefined) c.etag = etag;
  if (lastModified !== undefined) {
    const t = Date.parse(lastModified);
    if (Number.isNaN(t)) throw invalid("LastModifiedTime", lastModified);
    c.lastModified = Math.floor(t / 1000);
  }
  if (size !== undefined) {
    if (!/^\d+$/.test(size)) throw invalid("Size", size);
    c.size = Number(size);
  }
  return c;
}

/**
 * If-Match, x-amz-if-match-last-modified-time and x-amz-if-match-size on a delete (or ETag,
 * LastModifiedTime, Size in a DeleteObjects entry): checked against the version the delete
 * would remove. There being none is no failure, as in S3, and then nothing is deleted (no
 * marker is added): answers false.
 */
async function checkDeleteConditions(
  ctx: BucketContext,
  key: string,
  versionId: string | undefined,
  c: DeleteConditions,
): Promise<boolean> {
  if (c.etag === undefined && c.lastModified === undefined && c.size === undefined) return true;
  const { model } = ctx.deps;
  const v = versionId === undefined
    ? lastComplete(await model.objects.get(ctx.bucket.id, key))
    : await findVersion(model, ctx.bucket.id, key, versionId);
  if (!v || v.state.s !== "complete") return false;
  const data = v.state.data;
  // A delete marker is a version on a versioned bucket (with no ETag: only "*" matches it);
  // elsewhere it is nothing.
  if (data.t === "delete" && !v.id && !versioningOf(ctx.bucket)) return false;
  const etag = data.t === "delete" ? undefined : data.meta.etag;
  const size = data.t === "delete" ? 0 : data.meta.size;
  if (c.etag !== undefined && !etagMatches(c.etag, etag ?? "\u0000")) {
    throw preconditionFailed("If-Match");
  }
  if (c.lastModified !== undefined && Math.floor(v.timestamp / 1000) !== c.lastModified) {
    throw preconditionFailed("x-amz-if-match-last-modified-time");
  }
  if (c.size !== undefined && size !== c.size) throw preconditionFailed("x-amz-if-match-size");
  return true;
}

async function deleteOne(
  ctx: BucketContext,
  key: string,
  versionId: string | undefined,
  bypass: boolean,
  conditions: DeleteConditions = {},
): Promise<Deleted> {
  const { model } = ctx.deps;
  if (!await checkDeleteConditions(ctx, key, versionId, conditions)) return {};
  if (versionId === undefined) {
    const { marker } = await deleteCurrent(model, ctx.bucket, key);
    return marker ? { deleteMarker: true, deleteMarkerVersionId: marker.versionId } : {};
  }
  const gone = await deleteVersion(model, ctx.bucket.id, key, versionId, bypass);
  return gone?.state.data.t === "delete" ? { versionId, deleteMarker: true } : { versionId };
}

export async function deleteObject(ctx: ObjectContext): Promise<Response> {
  const h = ctx.headers;
  const d = await deleteOne(
    ctx,
    ctx.key,
    ctx.query.get("versionId") ?? undefined,
    bypassGovernance(ctx),
    conditionsOf(
      h.get("if-match") ?? undefined,
      h.get("x-amz-if-match-last-modified-time") ?? undefined,
      h.get("x-amz-if-match-size") ?? undefined,
    ),
  );
  const headers: Record<string, string> = {};
  if (d.deleteMarker) headers["x-amz-delete-marker"] = "true";
  const id = d.versionId ?? d.deleteMarkerVersionId;
  if (id !== undefined) headers["x-amz-version-id"] = id;
  return new Response(null, { status: 204, headers });
}

const MAX_KEYS = 1000;

export async function deleteObjects(ctx: BucketContext): Promise<Response> {
  const text = await readDocument(ctx, { limit: 4 * 1024 * 1024, integrityRequired: true });
  const body = parseXmlBody(text, "Delete");
  const objects = xmlList(body.Object);
  if (objects.length > MAX_KEYS) {
    throw new S3Error(
      "MalformedXML",
      `The XML you provided was not well-formed or did not validate against our published schema: at most ${MAX_KEYS} keys can be deleted at once.`,
    );
  }
  const quiet = xmlToken(body.Quiet)?.toLowerCase() === "true";
  // Every key is read before any is deleted: a malformed request deletes nothing.
  const targets = objects.map((o) => {
    const entry = typeof o === "object" && o !== null && !Array.isArray(o) ? o : undefined;
    const key = entry && xmlText(entry.Key);
    if (key === undefined) {
      throw new S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema: every <Object> needs a <Key>.",
      );
    }
    return {
      key,
      versionId: xmlToken(entry!.VersionId),
      conditions: conditionsOf(
        xmlText(entry!.ETag),
        xmlToken(entry!.LastModifiedTime),
        xmlToken(entry!.Size),
      ),
    };
  });
  const bypass = bypassGovernance(ctx);
  const outcomes = await settleEach(
    targets,
    DELETE_BATCH,
    async ({ key, versionId, conditions }) => {
      validateKey(key);
      checkVersionId(versionId);
      // Each key is judged as its own DeleteObject: a policy may deny some prefixes.
      const op = versionId === undefined ? "DeleteObject" : "DeleteObjectVersion";
      await authorizeFor(ctx, ctx.bucket, ctx.bucketName, { name: op, need: "write" }, key);
      return await deleteOne(ctx, key, versionId, bypass, conditions);
    },
  );
  const deleted: Array<Record<string, string | boolean | undefined>> = [];
  const errors: Array<{ Key: string; VersionId?: string; Code: string; Message: string }> = [];
  outcomes.forEach((outcome, i) => {
    const { key, versionId } = targets[i];
    if (outcome.status === "fulfilled") {
      const d = outcome.value;
      deleted.push({
        Key: key,
        VersionId: d.versionId,
        DeleteMarker: d.deleteMarker,
        DeleteMarkerVersionId: d.deleteMarkerVersionId,
      });
      return;
    }
    // A key refused (malformed, locked) is reported in the result; anything else fails it all.
    const reason = outcome.reason instanceof ModelError
      ? toS3Error(outcome.reason)
      : outcome.reason;
    if (!(reason instanceof S3Error)) throw reason;
    errors.push({ Key: key, VersionId: versionId, Code: reason.code, Message: reason.message });
  });
  return xmlResponse("DeleteResult", {
    Deleted: quiet ? undefined : deleted,
    Error: errors,
  });
}
