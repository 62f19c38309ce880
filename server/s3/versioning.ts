/** PutBucketVersioning and GetBucketVersioning. */
import { setVersioning, versioningOf } from "../model/buckets/protection.ts";
import type { BucketContext } from "./context.ts";
import { readDocument } from "./body.ts";
import { S3Error } from "../api/error.ts";
import { xmlResponse } from "../api/response.ts";
import { parseXmlBody, xmlToken } from "../api/xml.ts";

export async function putBucketVersioning(ctx: BucketContext): Promise<Response> {
  const doc = parseXmlBody(
    await readDocument(ctx, { limit: 64 * 1024, integrityRequired: true }),
    "VersioningConfiguration",
  );
  const status = xmlToken(doc.Status);
  if (status !== "Enabled" && status !== "Suspended") {
    // A bucket that has been versioned never goes back: "Disabled" is no state to set.
    throw new S3Error(
      "MalformedXML",
      `The XML you provided was not well-formed or did not validate against our published schema: Status must be Enabled or Suspended${
        status === undefined ? "" : `, not ${status}`
      }.`,
    );
  }
  const mfa = xmlToken(doc.MfaDelete);
  if (mfa !== undefined && mfa !== "Disabled" && mfa !== "Enabled") {
    throw new S3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema: MfaDelete must be Enabled or Disabled.",
    );
  }
  if (mfa === "Enabled" || ctx.headers.has("x-amz-mfa")) {
    throw new S3Error(
      "NotImplemented",
      "MFA delete is not supported by this server: versions are protected with object lock instead.",
    );
  }
  await setVersioning(ctx.deps.model, ctx.bucket, status);
  return new Response(null, { status: 200 });
}

export function getBucketVersioning(ctx: BucketContext): Response {
  const status = versioningOf(ctx.bucket);
  return xmlResponse("VersioningConfiguration", status ? { Status: status } : {});
}
