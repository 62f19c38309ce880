/**
 * Browser-form uploads signed the old way (AWS Signature Version 2): the form's base64 policy
 * signed with HMAC-SHA1 of the secret key, as AWS and RGW still accept it from old upload
 * widgets. The S3 endpoint takes it only when the operator turns it on.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { S3Error } from "../error.ts";
import type { SecretLookup } from "./signature.ts";

/** Checks a V2 form signature; answers the access key id it was made with. */
export async function verifyPolicyV2(
  form: { accessKeyId: string; policy: string; signature: string },
  lookup: SecretLookup,
): Promise<string> {
  const found = lookup(form.accessKeyId);
  const secret = found instanceof Promise ? await found : found;
  if (secret === undefined) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      { AWSAccessKeyId: form.accessKeyId },
    );
  }
  const expected = createHmac("sha1", secret).update(form.policy).digest();
  const given = Uint8Array.from(atob(base64OrEmpty(form.signature)), (c) => c.charCodeAt(0));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      { AWSAccessKeyId: form.accessKeyId, StringToSign: form.policy },
    );
  }
  return form.accessKeyId;
}

/** A signature that is no base64 at all matches nothing (and throws nothing else). */
function base64OrEmpty(s: string): string {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? s : "";
}
