/**
 * The request body as the payload mode says to read it, and the checks that can only be made
 * once it has been read: payload SHA-256, Content-MD5, x-amz-checksum-* (header or trailer).
 */
import type { HeaderReader } from "../util/header_map.ts";
import { BodyError, type WriteResult } from "../model/objects/write.ts";
import { BodyDigests } from "../model/objects/digests.ts";
import type { ChecksumValue } from "../model/tables/object.ts";
import { concatBytes } from "../util/bytes.ts";
import {
  type ChecksumAlgorithm,
  checksumHeader,
  fromBase64,
  parseChecksumAlgorithm,
  toBase64,
} from "../util/checksum.ts";
import { decodeAwsChunked } from "../api/auth/chunked.ts";
import type { S3Context } from "./context.ts";
import { S3Error } from "../api/error.ts";

export interface BodyPlan {
  stream: ReadableStream<Uint8Array>;
  sha256: boolean;
  checksum?: ChecksumAlgorithm;
  /** Verifies what was read; throws the S3 error for the first mismatch. */
  verify(r: WriteResult): Promise<ChecksumValue | undefined>;
  /** How many bytes the body announces (decoded length or Content-Length), if it does. */
  sizeHint?: number;
}

const EMPTY = new ReadableStream<Uint8Array>({ start: (c) => c.close() });

function requestedChecksum(
  h: HeaderReader,
): { alg?: ChecksumAlgorithm; value?: string; trailer: boolean } {
  const present = [...h.keys()].filter((k) =>
    k.startsWith("x-amz-checksum-") && k !== "x-amz-checksum-type" && k !== "x-amz-checksum-mode" &&
    k !== "x-amz-checksum-algorithm"
  );
  if (present.length > 1) {
    throw new S3Error(
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  }
  const trailerName = h.get("x-amz-trailer")?.trim().toLowerCase();
  if (present.length === 1) {
    const alg = parseChecksumAlgorithm(present[0]);
    if (!alg) throw new S3Error("InvalidRequest", `Unsupported checksum header ${present[0]}`);
    return { alg, value: h.get(present[0])!, trailer: false };
  }
  if (trailerName?.startsWith("x-amz-checksum-")) {
    const alg = parseChecksumAlgorithm(trailerName);
    if (!alg) throw new S3Error("InvalidRequest", `Unsupported checksum trailer ${trailerName}`);
    return { alg, trailer: true };
  }
  const sdk = h.get("x-amz-sdk-checksum-algorithm");
  if (sdk) {
    const alg = parseChecksumAlgorithm(sdk);
    if (!alg) {
      throw new S3Error(
        "InvalidRequest",
        `Value for x-amz-sdk-checksum-algorithm header is invalid: ${sdk}`,
      );
    }
    return { alg, trailer: false };
  }
  return { trailer: false };
}

function checkLength(ctx: S3Context, r: WriteResult, decoded?: number): void {
  if (decoded !== undefined && r.size !== decoded) {
    throw new S3Error(
      "IncompleteBody",
      `You did not provide the number of bytes specified by x-amz-decoded-content-length (${decoded}); ${r.size} were sent.`,
    );
  }
  const cl = ctx.headers.get("content-length");
  if (decoded === undefined && cl !== null && Number(cl) !== r.size) {
    throw new S3Error(
      "IncompleteBody",
      `You did not provide the number of bytes specified by the Content-Length HTTP header (${cl}); ${r.size} were sent.`,
    );
  }
}

/**
 * `bodyChecksums: false` is for CompleteMultipartUpload, whose x-amz-checksum-* headers state
 * the object's checksum, not its document's.
 */
export function planBody(ctx: S3Context, opts: { bodyChecksums?: boolean } = {}): BodyPlan {
  const h = ctx.headers;
  const payload = ctx.auth.payload;
  let stream = ctx.req.body ?? EMPTY;
  let trailers: Promise<Record<string, string>> | undefined;
  let decoded: number | undefined;
  if (payload.kind === "streaming") {
    const d = decodeAwsChunked({
      signer: payload.signer,
      trailer: payload.trailer,
      decodedLength: payload.decodedLength,
    });
    stream = stream.pipeThrough(d.stream);
    trailers = d.trailers;
    trailers.catch(() => {});
    decoded = payload.decodedLength;
  }
  const md5Header = h.get("content-md5");
  let md5: Uint8Array | undefined;
  if (md5Header !== null) {
    md5 = fromBase64(md5Header);
    if (!md5 || md5.length !== 16) {
      throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
  }
  const ck = opts.bodyChecksums === false ? { trailer: false } : requestedChecksum(h);
  if (ck.value !== undefined) {
    // A value that is not even base64 cannot match what the body hashes to.
    if (!fromBase64(ck.value)) {
      throw new S3Error(
        "BadDigest",
        `The ${ck.alg} you specified in ${checksumHeader(ck.alg!)} is not a valid checksum.`,
      );
    }
  }
  const cl = Number(h.get("content-length") ?? NaN);
  return {
    stream,
    sha256: payload.kind === "sha256",
    checksum: ck.alg,
    sizeHint: payload.kind === "streaming" ? decoded : Number.isSafeInteger(cl) ? cl : undefined,
    async verify(r) {
      checkLength(ctx, r, decoded);
      if (payload.kind === "sha256" && r.sha256 !== payload.sha256) {
        throw new S3Error(
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {
            ClientComputedContentSHA256: payload.sha256,
            S3ComputedContentSHA256: r.sha256 ?? "",
          },
        );
      }
      if (md5 && toBase64(md5) !== toBase64(r.md5)) {
        throw new S3Error(
          "BadDigest",
          "The Content-MD5 you specified did not match what we received.",
        );
      }
      if (!ck.alg) return undefined;
      let expected = ck.value;
      if (ck.trailer || (expected === undefined && trailers)) {
        const t = trailers ? await trailers : {};
        expected = t[checksumHeader(ck.alg)];
      }
      if (expected !== undefined && expected !== r.checksum) {
        throw new S3Error(
          "BadDigest",
          `The ${ck.alg} you specified did not match the calculated checksum.`,
        );
      }
      return { alg: ck.alg, value: r.checksum!, type: "FULL_OBJECT" };
    },
  };
}

/**
 * Whether the body's integrity rests on nothing the client signed: an unsigned payload
 * (UNSIGNED-PAYLOAD, a presigned URL, an unsigned aws-chunked stream) with no Content-MD5 and
 * no x-amz-checksum-* (header or trailer) to check it against.
 */
function unprotected(ctx: S3Context): boolean {
  const p = ctx.auth.payload;
  const signed = p.kind === "sha256" || (p.kind === "streaming" && p.signed);
  return !signed && !ctx.headers.has("content-md5") &&
    requestedChecksum(ctx.headers).alg === undefined;
}

export interface DocumentOptions {
  /** The most bytes the document may have (MaxMessageLengthExceeded past it). */
  limit: number;
  /**
   * AWS requires Content-MD5 or a checksum on this operation (DeleteObjects, bucket CORS,
   * lifecycle, website, ACLs): refused without one unless the payload hash was signed.
   */
  integrityRequired?: boolean;
  /** The x-amz-checksum-* headers describe an object, not this document (see planBody). */
  objectChecksum?: boolean;
}

/**
 * A request document (DeleteObjects, CompleteMultipartUpload, bucket configurations) read whole
 * and checked like an object body before anything reads it: the signed SHA-256, Content-MD5,
 * x-amz-checksum-*, the announced length, aws-chunked signatures. A captured request replayed
 * with another body is thereby refused, not applied.
 */
export async function readDocument(ctx: S3Context, opts: DocumentOptions): Promise<string> {
  if (opts.integrityRequired && unprotected(ctx)) {
    throw new S3Error(
      "InvalidRequest",
      "Missing required header for this request: Content-MD5 or x-amz-checksum-* (the payload is not signed).",
    );
  }
  const plan = planBody(ctx, { bodyChecksums: !opts.objectChecksum });
  if (plan.sizeHint !== undefined && plan.sizeHint > opts.limit) throw tooBig(opts.limit);
  const digests = new BodyDigests({ sha256: plan.sha256, checksum: plan.checksum });
  const chunks: Uint8Array[] = [];
  const reader = plan.stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((e) => {
        throw bodyFailure(new BodyError(e));
      });
      if (done) break;
      digests.update(value);
      if (digests.size > opts.limit) throw tooBig(opts.limit);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const read = digests.result();
  await plan.verify({ ...read, blocks: 0 });
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(concatBytes(chunks, read.size));
  } catch {
    throw new S3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema: it is not UTF-8.",
    );
  }
}

function tooBig(limit: number): S3Error {
  return new S3Error(
    "MaxMessageLengthExceeded",
    `Your request was too big: at most ${limit} bytes are accepted here.`,
  );
}

/** Maps a failure to read the body to the S3 error a client expects. */
export function bodyFailure(e: unknown): unknown {
  if (!(e instanceof BodyError)) return e;
  if (e.cause instanceof S3Error) return e.cause;
  return new S3Error(
    "IncompleteBody",
    "The request body ended before all the bytes announced were received.",
  );
}
