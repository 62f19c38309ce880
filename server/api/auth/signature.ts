/**
 * AWS Signature Version 4 verification for S3, from the Authorization header
 * or from a presigned URL's query. The request body is not read here: the
 * returned payload mode tells the caller how to check it.
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac, type Hash } from "node:crypto";
import type { HeaderReader } from "../../util/header_map.ts";
import type { Query } from "../../util/target.ts";
import { S3Error } from "../error.ts";
import type { ChunkSigner } from "./chunked.ts";
import { canonicalQuery, canonicalUri } from "./encode.ts";

export interface AuthRequest {
  method: string;
  /**
   * The URL as received (a RequestTarget: new URL() collapses "/./" and "/../" segments, so a
   * key containing them cannot verify unless the path is kept verbatim).
   */
  url: { host: string; pathname: string; search: string; searchParams: Query };
  headers: HeaderReader;
}

/** The secret of an access key; synchronous when the key table is in memory. */
export type SecretLookup = (
  accessKeyId: string,
) => string | undefined | Promise<string | undefined>;

export type PayloadMode =
  /** UNSIGNED-PAYLOAD, or a presigned URL without a payload hash. */
  | { kind: "unsigned" }
  /** The lowercase hex SHA-256 the body must have: the caller verifies it. */
  | { kind: "sha256"; sha256: string }
  /**
   * An aws-chunked body, for decodeAwsChunked. signer is set when chunks are
   * signed; decodedLength is x-amz-decoded-content-length, when sent.
   */
  | {
    kind: "streaming";
    signed: boolean;
    trailer: boolean;
    decodedLength?: number;
    signer?: ChunkSigner;
  };

export interface Authenticated {
  accessKeyId: string;
  payload: PayloadMode;
  region: string;
  /** Every x-amz-* header of the request is among these (unsigned ones are refused). */
  signedHeaders: string[];
}

export const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES_S = 7 * 24 * 60 * 60;
const PRESIGN_PARAMS = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires",
];

/** What a request claims, before the signature is checked. */
interface Claim {
  presigned: boolean;
  accessKeyId: string;
  /** Credential date, YYYYMMDD. */
  date: string;
  /** Request time, ISO 8601 basic, as it enters the string to sign. */
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
}

// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** Returns null for an anonymous request (no Authorization header and no X-Amz-Signature query). */
export async function authenticate(
  req: AuthRequest,
  opts: { region: string; lookup: SecretLookup; now?: Date },
): Promise<Authenticated | null> {
  const authorization = req.headers.get("authorization");
  const query = req.url.searchParams;
  const presigned = PRESIGN_PARAMS.some((p) => query.has(p));
  if (authorization !== null && presigned) {
    throw new S3Error(
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
      { ArgumentName: "Authorization" },
    );
  }
  if (authorization === null && !presigned) {
    if (query.has("AWSAccessKeyId")) throw signatureV2();
    return null;
  }

  const now = (opts.now ?? new Date()).getTime();
  const claim = authorization !== null
    ? claimFromHeader(authorization, req.headers, opts.region, now)
    : claimFromQuery(query, req.headers, opts.region, now);
  const payload = payloadMode(claim.payloadHash, req.headers);
  checkSignedHeaders(claim, req.headers);

  const found = opts.lookup(claim.accessKeyId);
  const secret = found instanceof Promise ? await found : found;
  if (secret === undefined) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      { AWSAccessKeyId: claim.accessKeyId },
    );
  }

  const scope = credentialScope(claim.date, opts.region);
  const canonicalRequest = [
    req.method,
    canonicalUri(req.url.pathname),
    canonicalQuery(req.url.search, claim.presigned),
    claim.signedHeaders.map((name) => `${name}:${canonicalValue(req, name)}\n`).join(""),
    claim.signedHeaders.join(";"),
    claim.payloadHash,
  ].join("\n");
  const stringToSign = stringToSignOf(canonicalRequest, claim.amzDate, scope);
  const key = signingKey(secret, claim.date, opts.region);
  const expected = key.sign(stringToSign);
  if (!sameSignature(expected, claim.signature)) {
    throw new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: claim.accessKeyId,
        StringToSign: stringToSign,
        SignatureProvided: claim.signature,
        CanonicalRequest: canonicalRequest,
      },
    );
  }

  if (payload.kind === "streaming" && payload.signed) {
    payload.signer = {
      signingKey: key.key,
      amzDate: claim.amzDate,
      scope,
      seedSignature: expected,
    };
  }
  return {
    accessKeyId: claim.accessKeyId,
    payload,
    region: opts.region,
    signedHeaders: claim.signedHeaders,
  };
}

/** "20130524/us-east-1/s3/aws4_request": the day, region and service a signature is for. */
export function credentialScope(date: string, region: string): string {
  return `${date}/${region}/s3/aws4_request`;
}

/** SigV4's string to sign for a canonical request, whoever signs or checks it. */
export function stringToSignOf(canonicalRequest: string, amzDate: string, scope: string): string {
  // Header values reach us one character per byte (HTTP's ByteString): hash those bytes as they
  // came, or a UTF-8 value (x-amz-meta-* with "é") would be encoded twice.
  const canonicalHash = createHash("sha256").update(
    ASCII.test(canonicalRequest) ? canonicalRequest : Buffer.from(canonicalRequest, "latin1"),
  ).digest("hex");
  return [ALGORITHM, amzDate, scope, canonicalHash].join("\n");
}

/** Constant-time comparison of a computed signature with a provided one. */
export function sameSignature(expected: string, provided: string): boolean {
  if (expected.length !== provided.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ provided.charCodeAt(i);
  return diff === 0;
}

function signatureV2(): S3Error {
  return new S3Error(
    "InvalidRequest",
    "Signature Version 2 is not supported; use AWS Signature Version 4",
  );
}

function claimFromHeader(value: string, headers: HeaderReader, region: string, now: number): Claim {
  if (value.startsWith("AWS ")) throw signatureV2();
  const malformed = (detail: string, extra?: Record<string, string>) =>
    new S3Error(
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; ${detail}`,
      extra,
    );
  if (!value.startsWith(ALGORITHM + " ")) {
    throw new S3Error("InvalidArgument", "Unsupported Authorization Type", {
      ArgumentName: "Authorization",
    });
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    throw malformed(
      "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    );
  }
  const { accessKeyId, date } = parseCredential(credential, region, malformed);

  const payloadHash = headers.get("x-amz-content-sha256");
  if (payloadHash === null) {
    throw new S3Error(
      "InvalidRequest",
      "Missing required header for this request: x-amz-content-sha256",
    );
  }

  const amzHeader = headers.get("x-amz-date");
  const dateHeader = headers.get("date");
  const time = amzHeader !== null
    ? parseAmzDate(amzHeader)
    : dateHeader !== null
    ? Date.parse(dateHeader)
    : NaN;
  if (Number.isNaN(time)) {
    throw new S3Error(
      "AccessDenied",
      "AWS authentication requires a valid Date or x-amz-date header",
    );
  }
  const amzDate = amzHeader ?? formatAmzDate(time);
  if (amzDate.slice(0, 8) !== date) {
    throw malformed("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  if (Math.abs(now - time) > MAX_SKEW_MS) {
    throw new S3Error(
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      {
        RequestTime: amzDate,
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      },
    );
  }
  return {
    presigned: false,
    accessKeyId,
    date,
    amzDate,
    signedHeaders: signedHeaders.split(";"),
    signature,
    payloadHash,
  };
}

function claimFromQuery(
  query: Query,
  headers: HeaderReader,
  region: string,
  now: number,
): Claim {
  const invalid = (detail: string, extra?: Record<string, string>) =>
    new S3Error("AuthorizationQueryParametersError", detail, extra);
  const [algorithm, credential, signature, amzDate, signedHeaders, expires] = PRESIGN_PARAMS.map(
    (p) => query.get(p),
  );
  if (!algorithm || !credential || !signature || !amzDate || !signedHeaders || !expires) {
    throw invalid(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  if (algorithm !== ALGORITHM) throw invalid(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const { accessKeyId, date } = parseCredential(
    credential,
    region,
    (detail, extra) => invalid(`Error parsing the X-Amz-Credential parameter; ${detail}`, extra),
  );
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time)) {
    throw invalid(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  if (amzDate.slice(0, 8) !== date) {
    throw invalid("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  const seconds = /^-?\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (Number.isNaN(seconds)) throw invalid("X-Amz-Expires must be a number of seconds");
  if (seconds > MAX_EXPIRES_S) {
    throw invalid(
      `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_EXPIRES_S}`,
    );
  }
  if (now < time - MAX_SKEW_MS) throw new S3Error("AccessDenied", "Request is not valid yet");
  // A URL signed already expired (negative X-Amz-Expires, as some SDKs allow) is just expired.
  if (seconds < 1 || now > time + seconds * 1000) {
    throw new S3Error("AccessDenied", "Request has expired", {
      "X-Amz-Expires": expires,
      Expires: new Date(time + seconds * 1000).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
  return {
    presigned: true,
    accessKeyId,
    date,
    amzDate,
    signedHeaders: signedHeaders.split(";"),
    signature,
    payloadHash: query.get("X-Amz-Content-Sha256") ?? headers.get("x-amz-content-sha256") ??
      UNSIGNED_PAYLOAD,
  };
}

/** Splits "AKID/YYYYMMDD/region/s3/aws4_request", holding it to our region and service. */
function parseCredential(
  credential: string,
  region: string,
  fail: (detail: string, extra?: Record<string, string>) => S3Error,
): { accessKeyId: string; date: string } {
  const [accessKeyId, date, credRegion, service, terminal, ...rest] = credential.split("/");
  if (!accessKeyId || !/^\d{8}$/.test(date) || terminal !== "aws4_request" || rest.length) {
    throw fail(
      'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  if (credRegion !== region) {
    throw fail(`the region '${credRegion}' is wrong; expecting '${region}'`, { Region: region });
  }
  if (service !== "s3") {
    throw fail(`incorrect service "${service}". This endpoint belongs to "s3".`);
  }
  return { accessKeyId, date };
}

/**
 * Signing host keeps a signature from being replayed against another
 * endpoint; unsigned x-amz-* headers would let anyone on the path alter
 * what a signed request does (e.g. its copy source or ACL).
 */
function checkSignedHeaders(claim: Claim, headers: HeaderReader): void {
  if (!claim.signedHeaders.includes("host")) {
    const detail = "the host header must be signed";
    throw claim.presigned ? new S3Error("AuthorizationQueryParametersError", detail) : new S3Error(
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; ${detail}`,
    );
  }
  const unsigned: string[] = [];
  for (const name of headers.keys()) {
    if (name.startsWith("x-amz-") && !claim.signedHeaders.includes(name)) unsigned.push(name);
  }
  if (unsigned.length > 0) {
    throw new S3Error(
      "AccessDenied",
      "There were headers present in the request which were not signed",
      {
        HeadersNotSigned: unsigned.join(", "),
      },
    );
  }
}

/**
 * Trimmed, with inner whitespace runs collapsed, as SigV4 canonicalises
 * header values. HTTP/2 carries the host as :authority, so fall back to the URL.
 */
function canonicalValue(req: AuthRequest, name: string): string {
  const value = req.headers.get(name) ?? (name === "host" ? req.url.host : "");
  return value.trim().replace(/\s+/g, " ");
}

function payloadMode(hash: string, headers: HeaderReader): PayloadMode {
  switch (hash) {
    case UNSIGNED_PAYLOAD:
      return { kind: "unsigned" };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
      return streaming(true, false, headers);
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
      return streaming(true, true, headers);
    case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
      return streaming(false, true, headers);
  }
  if (/^[0-9a-fA-F]{64}$/.test(hash)) return { kind: "sha256", sha256: hash.toLowerCase() };
  throw new S3Error(
    "InvalidArgument",
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
    { ArgumentName: "x-amz-content-sha256", ArgumentValue: hash },
  );
}

function streaming(signed: boolean, trailer: boolean, headers: HeaderReader): PayloadMode {
  const length = headers.get("x-amz-decoded-content-length");
  if (length === null) return { kind: "streaming", signed, trailer };
  if (!/^\d{1,15}$/.test(length)) {
    throw new S3Error("InvalidArgument", "x-amz-decoded-content-length must be a byte count", {
      ArgumentName: "x-amz-decoded-content-length",
      ArgumentValue: length,
    });
  }
  return { kind: "streaming", signed, trailer, decodedLength: Number(length) };
}

/** "20130524T000000Z" to epoch milliseconds, NaN if it is not of that form. */
function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

/**
 * A signing key with the HMAC pads already hashed: every request then costs two SHA-256
 * continuations instead of a fresh HMAC (twice as fast in Deno's node:crypto).
 */
export class SigningKey {
  readonly #inner: Hash;
  readonly #outer: Hash;

  constructor(readonly key: Buffer) {
    const ipad = Buffer.alloc(64, 0x36), opad = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i] ^= key[i];
      opad[i] ^= key[i];
    }
    this.#inner = createHash("sha256").update(ipad);
    this.#outer = createHash("sha256").update(opad);
  }

  /** HMAC-SHA256 of the message under this key, in hex. */
  sign(message: string): string {
    const inner = this.#inner.copy().update(message).digest();
    return this.#outer.copy().update(inner).digest("hex");
  }
}

// Deriving a signing key takes four HMACs; it changes only daily per secret
// and region, so keep recent ones. Oldest-inserted goes first when full.
const KEY_CACHE_SIZE = 256;
const signingKeys = new Map<string, SigningKey>();

export function signingKey(secret: string, date: string, region: string): SigningKey {
  // Neither date nor region can contain "/", so the id is unambiguous.
  const id = `${date}/${region}/${secret}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = new SigningKey(
      [date, region, "s3", "aws4_request"].reduce(
        (k: string | Buffer, part) => createHmac("sha256", k).update(part).digest(),
        "AWS4" + secret,
      ) as Buffer,
    );
    if (signingKeys.size >= KEY_CACHE_SIZE) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

/**
 * Checks the signature of a browser form upload: the HMAC of the base64 policy document under
 * the signing key of the credential's day and region. Returns the access key id.
 */
export async function verifyPolicy(
  form: { credential: string; policy: string; signature: string },
  opts: { region: string; lookup: SecretLookup },
): Promise<string> {
  const malformed = (detail: string, extra?: Record<string, string>) =>
    new S3Error("InvalidArgument", `Invalid x-amz-credential: ${detail}`, extra);
  const { accessKeyId, date } = parseCredential(form.credential, opts.region, malformed);
  const found = opts.lookup(accessKeyId);
  const secret = found instanceof Promise ? await found : found;
  if (secret === undefined) {
    throw new S3Error(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      { AWSAccessKeyId: accessKeyId },
    );
  }
  const expected = signingKey(secret, date, opts.region).sign(form.policy);
  if (!sameSignature(expected, form.signature.toLowerCase())) {
    throw new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      { AWSAccessKeyId: accessKeyId, StringToSign: form.policy },
    );
  }
  return accessKeyId;
}
