/** DeleteObject and DeleteObjects. */
import type { Model } from "../model/model.ts";
import { visibleVersion } from "../model/object.ts";
import { newUuid } from "../util/ids.ts";
import type { BucketContext, ObjectContext } from "./context.ts";
import { readDocument, xmlResponse } from "./context.ts";
import { S3Error } from "./error.ts";
import { nextVersionTimestamp, writeVersion } from "./put.ts";
import { validateKey } from "./keys.ts";
import { parseXmlBody, xmlList, xmlText, xmlToken } from "./xml.ts";

/** Deletes the current version by writing a delete marker newer than it. */
export async function deleteKey(model: Model, bucketId: string, key: string): Promise<void> {
  const entry = await model.objects.get(bucketId, key);
  if (!visibleVersion(entry)) return;
  const timestamp = nextVersionTimestamp(entry);
  await writeVersion(model, bucketId, key, newUuid(), timestamp, { t: "delete" });
}

export async function deleteObject(ctx: ObjectContext): Promise<Response> {
  await deleteKey(ctx.deps.model, ctx.bucket.id, ctx.key);
  return new Response(null, { status: 204 });
}

const MAX_KEYS = 1000;

export async function deleteObjects(ctx: BucketContext): Promise<Response> {
  const text = await readDocument(ctx.req, 4 * 1024 * 1024);
  const body = parseXmlBody(text, "Delete");
  const objects = xmlList(body.Object);
  if (objects.length > MAX_KEYS) {
    throw new S3Error(
      "MalformedXML",
      `The XML you provided was not well-formed or did not validate against our published schema: at most ${MAX_KEYS} keys can be deleted at once.`,
    );
  }
  const quiet = xmlToken(body.Quiet)?.toLowerCase() === "true";
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const o of objects) {
    const key = typeof o === "object" && o !== null && !Array.isArray(o)
      ? xmlText(o.Key)
      : undefined;
    if (key === undefined) {
      throw new S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema: every <Object> needs a <Key>.",
      );
    }
    try {
      validateKey(key);
      await deleteKey(ctx.deps.model, ctx.bucket.id, key);
      deleted.push({ Key: key });
    } catch (e) {
      if (!(e instanceof S3Error)) throw e;
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  return xmlResponse("DeleteResult", {
    Deleted: quiet ? undefined : deleted,
    Error: errors,
  });
}
