/**
 * A multipart/form-data body read as a stream (RFC 7578): the small fields before the file are
 * read whole, within a limit; the file part is handed on as a stream that ends at the next
 * boundary, so an upload of any size is never held in memory.
 */
import { Buffer } from "node:buffer";
import { S3Error } from "./error.ts";

export interface FormPart {
  /** The field name, as sent. */
  name: string;
  filename?: string;
  contentType?: string;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
/** Headers of one part, at most. */
const MAX_PART_HEADERS = 8 * 1024;

export function formBoundary(contentType: string | null): string | undefined {
  const m = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  return m ? (m[1] ?? m[2]) : undefined;
}

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedPOSTRequest",
    `The body of your POST request is not well-formed multipart/form-data: ${why}.`,
  );
}

function parseDisposition(headers: string): FormPart {
  const part: Partial<FormPart> = {};
  for (const line of headers.split("\r\n")) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-type") part.contentType = value;
    if (name !== "content-disposition") continue;
    for (const m of value.matchAll(/;\s*([a-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/gi)) {
      const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim();
      if (m[1].toLowerCase() === "name") part.name = v;
      if (m[1].toLowerCase() === "filename") part.filename = v;
    }
  }
  if (part.name === undefined) throw malformed("a part has no name");
  return part as FormPart;
}

export class FormReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** "\r\n--boundary": what ends a part's content. */
  readonly #delimiter: Buffer;
  #buf: Buffer = Buffer.alloc(0);
  /** The body stream has ended. */
  #eof = false;
  #started = false;
  /** The closing boundary has been read. */
  #finished = false;
  /** Whether the cursor stands just before a part's headers. */
  #atPart = false;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.#reader = body.getReader();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  async #more(): Promise<boolean> {
    if (this.#eof) return false;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#eof = true;
      return false;
    }
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, value]) : Buffer.from(value);
    return true;
  }

  /** Moves past the delimiter at the start of the buffer: to the next part, or to the end. */
  async #passDelimiter(): Promise<boolean> {
    while (this.#buf.length < this.#delimiter.length + 2) {
      if (!await this.#more()) throw malformed("it ends inside a boundary");
    }
    const after = this.#buf.subarray(this.#delimiter.length, this.#delimiter.length + 2);
    if (after.toString() === "--") return false;
    if (!after.equals(CRLF)) throw malformed("a boundary is followed by neither CRLF nor --");
    this.#buf = this.#buf.subarray(this.#delimiter.length + 2);
    return true;
  }

  /** The next part's name and headers, or null after the last one. */
  async next(): Promise<FormPart | null> {
    if (!this.#started) {
      this.#started = true;
      // The body starts with "--boundary" (no CRLF before it): compare as if it had one.
      this.#buf = Buffer.concat([CRLF, this.#buf]);
      while (this.#buf.length < this.#delimiter.length && await this.#more());
      if (!this.#buf.subarray(0, this.#delimiter.length).equals(this.#delimiter)) {
        throw malformed("it does not start with the boundary");
      }
      if (await this.#passDelimiter()) this.#atPart = true;
      else this.#finished = true;
    }
    // A part whose content was not read is skipped.
    if (!this.#atPart && !this.#finished) { for await (const _ of this.content()); }
    if (this.#finished) return null;
    let end: number;
    while ((end = this.#buf.indexOf(HEADER_END)) < 0) {
      if (this.#buf.length > MAX_PART_HEADERS) throw malformed("a part's headers are too long");
      if (!await this.#more()) throw malformed("it ends inside a part's headers");
    }
    const part = parseDisposition(this.#buf.subarray(0, end).toString("utf8"));
    this.#buf = this.#buf.subarray(end + HEADER_END.length);
    this.#atPart = false;
    return part;
  }

  /** The current part's content, read whole; more than `limit` bytes is refused. */
  async text(limit: number): Promise<string> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const c of this.content()) {
      size += c.length;
      if (size > limit) {
        throw new S3Error(
          "MaxPostPreDataLengthExceededError",
          `Your POST request fields preceding the upload file were too large: at most ${limit} bytes are accepted.`,
        );
      }
      chunks.push(c);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  /** The current part's content as a stream, ending at the next boundary. */
  content(): ReadableStream<Uint8Array> {
    const d = this.#delimiter;
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        for (;;) {
          const at = this.#buf.indexOf(d);
          if (at >= 0) {
            if (at > 0) c.enqueue(new Uint8Array(this.#buf.subarray(0, at)));
            this.#buf = this.#buf.subarray(at);
            if (await this.#passDelimiter()) this.#atPart = true;
            else this.#finished = true;
            c.close();
            return;
          }
          // Keep what could be the start of a delimiter split across reads.
          const safe = this.#buf.length - (d.length - 1);
          if (safe > 0) {
            c.enqueue(new Uint8Array(this.#buf.subarray(0, safe)));
            this.#buf = this.#buf.subarray(safe);
            return;
          }
          if (!await this.#more()) {
            c.error(
              new S3Error("IncompleteBody", "The request body ended before its last boundary."),
            );
            return;
          }
        }
      },
    });
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
