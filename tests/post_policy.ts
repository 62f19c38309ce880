/**
 * The signed fields of a browser form upload (PostObject), as the page that offers the form
 * would get them from its back end.
 */
import { amzNow, type Creds, hmac, signingKey } from "./sigv4.ts";

/**
 * Fields to put in the form before the file: the policy, its SigV4 signature and the fields
 * the signature names (algorithm, credential, date). The policy allows those fields and the
 * bucket; `conditions` add the caller's own (the key, other fields, a content-length-range).
 */
export function postPolicyFields(
  creds: Creds,
  region: string,
  bucket: string,
  conditions: unknown[],
  /** Seconds from now, or the expiration's text as is. */
  expires: number | string = 300,
): Record<string, string> {
  const now = new Date();
  const { amzDate, date } = amzNow(now);
  const fields: Record<string, string> = {
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-credential": `${creds.accessKeyId}/${date}/${region}/s3/aws4_request`,
    "x-amz-date": amzDate,
  };
  const policy = new TextEncoder().encode(JSON.stringify({
    expiration: typeof expires === "string"
      ? expires
      : new Date(now.getTime() + expires * 1000).toISOString(),
    conditions: [
      { bucket },
      ...Object.entries(fields).map(([k, v]) => ({ [k]: v })),
      ...conditions,
    ],
  })).toBase64();
  const signature = hmac(signingKey(creds.secretAccessKey, date, region), policy).toHex();
  return { ...fields, policy, "x-amz-signature": signature };
}
