/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies (the
 * STREAMING-* payload modes of SigV4):
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n   repeated, then
 *   0[;chunk-signature=<sig>]\r\n
 *   [<name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]   trailers, if any
 *   \r\n
 *
 * Data passes through as it arrives and chunk signatures are checked at the
 * end of each chunk, so a chunk may be any size without being buffered. Data
 * of a chunk that then fails its check has already been passed on: the caller
 * must discard the whole body when the stream errors.
 */
import { createHash, createHmac, type Hash } from "node:crypto";
import { S3Error } from "../error.ts";
import { sameSignature } from "./signature.ts";

/** What chunk signatures chain from: the signing context of the request. */
export interface ChunkSigner {
  /** The request's derived SigV4 signing key. */
  signingKey: Uint8Array;
  /** The request time, ISO 8601 basic ("20130524T000000Z"). */
  amzDate: string;
  /** The credential scope, "20130524/us-east-1/s3/aws4_request". */
  scope: string;
  /** The request's own signature, which the first chunk signature chains from. */
  seedSignature: string;
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const CR = 0x0d;
const LF = 0x0a;
// Framing lines are short (a size and a signature, or one trailer); a longer
// one is garbage, and the limits keep a hostile client from making us buffer.
const MAX_LINE = 4096;
const MAX_TRAILERS = 64;
const utf8 = new TextDecoder();

type State = "size" | "data" | "dataEnd" | "trailer" | "done";

/**
 * Returns the decoding stream and the trailers it read, by lowercase name
 * without x-amz-trailer-signature. The trailers settle when the stream
 * finishes: they reject with the stream's error.
 */
export function decodeAwsChunked(
  opts: { signer?: ChunkSigner; trailer: boolean; decodedLength?: number },
): { stream: TransformStream<Uint8Array, Uint8Array>; trailers: Promise<Record<string, string>> } {
  const decoder = new AwsChunkedDecoder(opts);
  return { stream: new TransformStream(decoder), trailers: decoder.trailers };
}

function framingError(detail: string): S3Error {
  return new S3Error("InvalidRequest", `Malformed aws-chunked body: ${detail}`);
}

class AwsChunkedDecoder implements Transformer<Uint8Array, Uint8Array> {
  readonly trailers: Promise<Record<string, string>>;
  #settle!: { resolve: (t: Record<string, string>) => void; reject: (e: unknown) => void };

  readonly #signer?: ChunkSigner;
  readonly #trailer: boolean;
  readonly #decodedLength?: number;

  #state: State = "size";
  #line = new Uint8Array(MAX_LINE);
  #lineLength = 0;
  #remaining = 0; // data bytes of the current chunk still to come
  #crlfSeen = 0; // bytes of the CRLF after the data seen so far
  #decoded = 0;

  #chunkHash?: Hash;
  #chunkSignature = "";
  #previousSignature: string;

  #fields = new Map<string, string>();
  #trailerCount = 0;
  #signedTrailers = "";
  #trailerSignature?: string;

  constructor(opts: { signer?: ChunkSigner; trailer: boolean; decodedLength?: number }) {
    this.#signer = opts.signer;
    this.#trailer = opts.trailer;
    this.#decodedLength = opts.decodedLength;
    this.#previousSignature = opts.signer?.seedSignature ?? "";
    this.trailers = new Promise((resolve, reject) => this.#settle = { resolve, reject });
    // A caller that only watches the stream must not get an unhandled rejection.
    this.trailers.catch(() => {});
  }

  transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>): void {
    try {
      this.#consume(chunk, controller);
    } catch (e) {
      this.#settle.reject(e);
      throw e;
    }
  }

  flush(): void {
    try {
      // Tolerate a body that stops right after its last trailer line, before
      // the closing blank line: everything signed has been seen by then.
      if (this.#state === "trailer" && this.#lineLength === 0) this.#endTrailers();
      if (this.#state !== "done") {
        throw new S3Error("IncompleteBody", "The aws-chunked body ended before its final chunk");
      }
      this.#settle.resolve(Object.fromEntries(this.#fields));
    } catch (e) {
      this.#settle.reject(e);
      throw e;
    }
  }

  cancel(reason: unknown): void {
    this.#settle.reject(reason);
  }

  #consume(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case "data": {
          const part = chunk.subarray(pos, pos + this.#remaining);
          this.#chunkHash?.update(part);
          controller.enqueue(part);
          pos += part.length;
          this.#remaining -= part.length;
          if (this.#remaining === 0) {
            this.#verifyChunk();
            this.#state = "dataEnd";
          }
          break;
        }
        case "dataEnd":
          if (chunk[pos++] !== (this.#crlfSeen === 0 ? CR : LF)) {
            throw framingError("chunk data is not followed by CRLF");
          }
          if (++this.#crlfSeen === 2) {
            this.#crlfSeen = 0;
            this.#state = "size";
          }
          break;
        case "done":
          throw framingError("data after the end of the body");
        default:
          pos = this.#readLine(chunk, pos);
      }
    }
  }

  /** Accumulates a framing line, which may arrive split over any number of reads. */
  #readLine(chunk: Uint8Array, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    const end = lf < 0 ? chunk.length : lf + 1;
    if (this.#lineLength + end - pos > MAX_LINE) throw framingError("line too long");
    this.#line.set(chunk.subarray(pos, end), this.#lineLength);
    this.#lineLength += end - pos;
    if (lf < 0) return end;

    const length = this.#lineLength;
    this.#lineLength = 0;
    if (length < 2 || this.#line[length - 2] !== CR) throw framingError("line not ended by CRLF");
    const line = utf8.decode(this.#line.subarray(0, length - 2));
    if (this.#state === "size") this.#onSizeLine(line);
    else this.#onTrailerLine(line);
    return end;
  }

  #onSizeLine(line: string): void {
    const [hex, ...extensions] = line.split(";");
    // 13 hex digits already exceed any object size; more would lose precision.
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) throw framingError("invalid chunk size");
    const size = parseInt(hex, 16);
    this.#decoded += size;
    if (this.#decodedLength !== undefined && this.#decoded > this.#decodedLength) {
      throw new S3Error(
        "InvalidRequest",
        "The aws-chunked body is longer than x-amz-decoded-content-length",
      );
    }
    if (this.#signer) {
      const signature = extensions.find((e) => e.startsWith("chunk-signature="));
      if (!signature) throw new S3Error("SignatureDoesNotMatch", "A chunk has no chunk-signature");
      this.#chunkSignature = signature.slice("chunk-signature=".length);
      this.#chunkHash = createHash("sha256");
    }
    if (size > 0) {
      this.#remaining = size;
      this.#state = "data";
    } else {
      this.#verifyChunk();
      this.#state = "trailer";
    }
  }

  #verifyChunk(): void {
    if (!this.#signer || !this.#chunkHash) return;
    const expected = this.#sign(
      "AWS4-HMAC-SHA256-PAYLOAD",
      EMPTY_SHA256 + "\n" + this.#chunkHash.digest("hex"),
    );
    if (!sameSignature(expected, this.#chunkSignature)) {
      throw new S3Error(
        "SignatureDoesNotMatch",
        "The chunk signature we calculated does not match the signature you provided",
      );
    }
    this.#previousSignature = expected;
  }

  #sign(algorithm: string, hashes: string): string {
    const { signingKey, amzDate, scope } = this.#signer!;
    const stringToSign = [algorithm, amzDate, scope, this.#previousSignature, hashes].join("\n");
    return createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  }

  #onTrailerLine(line: string): void {
    if (line === "") return this.#endTrailers();
    if (!this.#trailer) throw framingError("trailers were not announced");
    if (++this.#trailerCount > MAX_TRAILERS) throw framingError("too many trailers");
    const colon = line.indexOf(":");
    if (colon <= 0) throw framingError("invalid trailer");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (this.#trailerSignature !== undefined) {
      throw framingError("x-amz-trailer-signature is not the last trailer");
    }
    if (name === "x-amz-trailer-signature") {
      this.#trailerSignature = value;
    } else {
      this.#fields.set(name, value);
      this.#signedTrailers += `${name}:${value}\n`;
    }
  }

  #endTrailers(): void {
    if (this.#signer && this.#trailer) {
      const hash = createHash("sha256").update(this.#signedTrailers).digest("hex");
      const expected = this.#sign("AWS4-HMAC-SHA256-TRAILER", hash);
      if (!sameSignature(expected, this.#trailerSignature ?? "")) {
        throw new S3Error(
          "SignatureDoesNotMatch",
          "The trailer signature we calculated does not match the signature you provided",
        );
      }
    }
    if (this.#decodedLength !== undefined && this.#decoded < this.#decodedLength) {
      throw new S3Error(
        "IncompleteBody",
        "The aws-chunked body is shorter than x-amz-decoded-content-length",
      );
    }
    this.#state = "done";
  }
}
