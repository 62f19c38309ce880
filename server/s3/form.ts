/**
 * A multipart/form-data body read as a stream (RFC 7578): the small fields before the file are
 * read whole, within a limit; the file part is handed on as a stream that ends at the next
 * boundary, so an upload of any size is never held in memory.
 */
import { S3Error } from "../api/error.ts";

export interface FormPart {
  /** The field name, as sent. */
  name: string;
  filename?: string;
  contentType?: string;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const CR = 13;
const HEADER_END = bytes("\r\n\r\n");
/** Headers of one part, at most. */
const MAX_PART_HEADERS = 8 * 1024;

/** The media type's parameters, read in order: `name=token` or `name="quoted \\" string"`. */
const PARAMETER = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]*))\s*/y;

export function formBoundary(contentType: string | null): string | undefined {
  const type = /^multipart\/form-data\s*/i.exec(contentType ?? "");
  if (!type) return undefined;
  const text = contentType!;
  PARAMETER.lastIndex = type[0].length;
  let boundary: string | undefined;
  while (PARAMETER.lastIndex < text.length) {
    const m = PARAMETER.exec(text);
    if (!m) return undefined;
    if (m[1].toLowerCase() === "boundary") boundary = m[2]?.replace(/\\(.)/g, "$1") ?? m[3];
  }
  // RFC 2046: 1 to 70 characters.
  return boundary && boundary.length <= 70 ? boundary : undefined;
}

function malformed(why: string): S3Error {
  return new S3Error(
    "MalformedPOSTRequest",
    `The body of your POST request is not well-formed multipart/form-data: ${why}.`,
  );
}

/**
 * Where `needle` (which starts with CR) first occurs in `hay`, or else where a tail of `hay`
 * begins that could be its start, cut by a read; `hay.length` when there is neither. Found by
 * the engine's own byte search for CR: Buffer.indexOf with a needle runs in JavaScript, at half
 * the speed of the rest of the upload.
 */
function search(hay: Uint8Array, needle: Uint8Array): number {
  for (let i = hay.indexOf(CR); i >= 0; i = hay.indexOf(CR, i + 1)) {
    const n = Math.min(needle.length, hay.length - i);
    let j = 1;
    while (j < n && hay[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return hay.length;
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
  readonly #delimiter: Uint8Array;
  /** Read and not yet consumed: a view of the last read, or a copy when reads were joined. */
  #buf: Uint8Array = new Uint8Array(0);
  /** The body stream has ended. */
  #eof = false;
  #started = false;
  /** The closing boundary has been read. */
  #finished = false;
  /** Whether the cursor stands just before a part's headers. */
  #atPart = false;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.#reader = body.getReader();
    this.#delimiter = bytes(`\r\n--${boundary}`);
  }

  async #more(): Promise<boolean> {
    if (this.#eof) return false;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#eof = true;
      return false;
    }
    if (this.#buf.length === 0) {
      this.#buf = value;
    } else {
      const joined = new Uint8Array(this.#buf.length + value.length);
      joined.set(this.#buf);
      joined.set(value, this.#buf.length);
      this.#buf = joined;
    }
    return true;
  }

  /** Moves past the delimiter at the start of the buffer: to the next part, or to the end. */
  async #passDelimiter(): Promise<void> {
    const at = this.#delimiter.length;
    while (this.#buf.length < at + 2) {
      if (!await this.#more()) throw malformed("it ends inside a boundary");
    }
    const [a, b] = this.#buf.subarray(at, at + 2);
    if (a === 0x2d && b === 0x2d) {
      this.#finished = true;
    } else if (a === CR && b === 0x0a) {
      this.#buf = this.#buf.subarray(at + 2);
      this.#atPart = true;
    } else {
      throw malformed("a boundary is followed by neither CRLF nor --");
    }
  }

  /** The next part's name and headers, or null after the last one. */
  async next(): Promise<FormPart | null> {
    if (!this.#started) {
      this.#started = true;
      // The body starts with "--boundary" (no CRLF before it): compare as if it had one.
      this.#buf = bytes("\r\n");
      const d = this.#delimiter;
      while (this.#buf.length < d.length && await this.#more());
      if (this.#buf.length < d.length || search(this.#buf.subarray(0, d.length), d) !== 0) {
        throw malformed("it does not start with the boundary");
      }
      await this.#passDelimiter();
    }
    // A part whose content was not read is skipped.
    if (!this.#atPart && !this.#finished) { for await (const _ of this.content()); }
    if (this.#finished) return null;
    let end: number;
    while ((end = search(this.#buf, HEADER_END)) + HEADER_END.length > this.#buf.length) {
      if (this.#buf.length > MAX_PART_HEADERS) throw malformed("a part's headers are too long");
      if (!await this.#more()) throw malformed("it ends inside a part's headers");
    }
    const part = parseDisposition(new TextDecoder().decode(this.#buf.subarray(0, end)));
    this.#buf = this.#buf.subarray(end + HEADER_END.length);
    this.#atPart = false;
    return part;
  }

  /** The current part's content, read whole; more than `limit` bytes is refused. */
  async text(limit: number): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    let size = 0;
    for await (const c of this.content()) {
      size += c.length;
      if (size > limit) {
        throw new S3Error(
          "MaxPostPreDataLengthExceededError",
          `Your POST request fields preceding the upload file were too large: at most ${limit} bytes are accepted.`,
        );
      }
      text += decoder.decode(c, { stream: true });
    }
    return text + decoder.decode();
  }

  /**
   * The current part's content as a stream, ending at the next boundary. Its chunks are views
   * of the body's own reads, never written to afterwards: the file is not copied here, and a
   * read is joined to the one before only when a boundary may be cut between them.
   */
  content(): ReadableStream<Uint8Array> {
    const d = this.#delimiter;
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        for (;;) {
          const at = search(this.#buf, d);
          if (at > 0) c.enqueue(this.#buf.subarray(0, at));
          this.#buf = this.#buf.subarray(at);
          if (this.#buf.length >= d.length) {
            await this.#passDelimiter();
            c.close();
            return;
          }
          if (at > 0) return;
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
