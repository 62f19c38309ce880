/** DeleteObject and DeleteObjects. */
import { DELETE_BATCH, deleteCurrent } from "../model/objects/object_write.ts";
import { settleEach } from "../util/settle.ts";
import type { BucketContext, ObjectContext } from "./context.ts";
import { xmlResponse } from "../api/response.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { validateKey } from "../api/keys.ts";
import { checkVersionId } from "./unsupported.ts";
import { parseXmlBody, xmlList, xmlText, xmlToken } from "../api/xml.ts";

export async function deleteObject(ctx: ObjectContext): Promise<Response> {
  await deleteCurrent(ctx.deps.model, ctx.bucket.id, ctx.key);
  return new Response(null, { status: 204 });
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
    return { key, versionId: xmlToken(entry!.VersionId) };
  });
  const outcomes = await settleEach(targets, DELETE_BATCH, async ({ key, versionId }) => {
    validateKey(key);
    checkVersionId(versionId);
    await deleteCurrent(ctx.deps.model, ctx.bucket.id, key);
  });
  const deleted: Array<{ Key: string; VersionId?: string }> = [];
  const errors: Array<{ Key: string; VersionId?: string; Code: string; Message: string }> = [];
  outcomes.forEach((outcome, i) => {
    const { key, versionId } = targets[i];
    if (outcome.status === "fulfilled") deleted.push({ Key: key, VersionId: versionId });
    else if (outcome.reason instanceof S3Error) {
      errors.push({
        Key: key,
        VersionId: versionId,
        Code: outcome.reason.code,
        Message: outcome.reason.message,
      });
    } else throw outcome.reason;
  });
  return xmlResponse("DeleteResult", {
    Deleted: quiet ? undefined : deleted,
    Error: errors,
  });
}
