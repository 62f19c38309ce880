/**
 * Where each HTTP/1.1 request on a connection begins and ends, followed from the bytes a client
 * sends: the request line and headers, then a body framed by Content-Length or chunked
 * transfer-coding. The gate in front of the HTTP servers times a request's headers and a
 * connection's silences with it. It only observes: the server behind it parses for real, and
 * whatever this tracker cannot follow (ambiguous framing, an upgrade, an oversized head) it
 * stops following, leaving the connection to the server and to the idle timeout.
 */

export type FramingState =
  /** Between requests: the next byte starts one. */
  | "idle"
  /** Inside a request line and headers. */
  | "head"
  /** Inside a body. */
  | "body"
  /** No longer followed. */
  | "opaque";

/** The most head bytes followed; the server refuses larger heads itself. */
const MAX_HEAD = 64 * 1024;
/** The longest chunk-size or trailer line followed. */
const MAX_LINE = 4096;

const CR = 0x0d;
const LF = 0x0a;
const latin1 = new TextDecoder("latin1");

type Body =
  | { kind: "length"; left: number }
  | { kind: "chunked"; part: "size" | "data" | "dataEnd" | "trailer"; left: number; line: number };

export class RequestFraming {
  state: FramingState = "idle";
  /** Requests whose last byte has been seen. */
  completed = 0;
  /** Where, in the bytes last fed, a request line ended (just after its line feed). */
  lineEnds: number[] = [];
  #inRequestLine = false;
  #head: Uint8Array[] = [];
  #headSize = 0;
  /** Consecutive CR/LF bytes at the end of what was seen of the head. */
  #eol = 0;
  #body?: Body;
  /** The current chunk-size line, as text. */
  #sizeLine = "";

  /** Follows the next bytes the client sent. */
  feed(bytes: Uint8Array): void {
    this.lineEnds = [];
    let i = 0;
    while (i < bytes.length && this.state !== "opaque") {
      if (this.state === "idle") {
        // Empty lines between requests are allowed (RFC 9112 §2.2).
        if (bytes[i] === CR || bytes[i] === LF) {
          i++;
          continue;
        }
        this.state = "head";
        this.#inRequestLine = true;
        this.#head = [];
        this.#headSize = 0;
        this.#eol = 0;
      }
      if (this.state === "head") i = this.#readHead(bytes, i);
      else if (this.state === "body") i = this.#readBody(bytes, i);
    }
  }

  #readHead(bytes: Uint8Array, from: number): number {
    for (let i = from; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === LF) {
        if (this.#inRequestLine) {
          this.#inRequestLine = false;
          this.lineEnds.push(i + 1);
        }
        this.#eol++;
        // "\r\n\r\n" or a bare "\n\n" ends the head.
        if (this.#eol >= 2) {
          this.#keepHead(bytes.subarray(from, i + 1));
          this.#headDone();
          return i + 1;
        }
      } else if (b !== CR) this.#eol = 0;
    }
    this.#keepHead(bytes.subarray(from));
    return bytes.length;
  }

  #keepHead(part: Uint8Array): void {
    this.#headSize += part.length;
    if (this.#headSize > MAX_HEAD) this.state = "opaque";
    else this.#head.push(part.slice());
  }

  #headDone(): void {
    if (this.state === "opaque") return;
    const text = this.#head.map((p) => latin1.decode(p)).join("");
    this.#head = [];
    const lines = text.split(/\r?\n/);
    const method = lines[0].split(" ", 1)[0];
    let length: string | undefined;
    let lengths = 0;
    let coding: string | undefined;
    let upgrade = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") {
        length = value;
        lengths++;
      } else if (name === "transfer-encoding") {
        coding = coding === undefined ? value : `${coding}, ${value}`;
      } else if (name === "upgrade") upgrade = true;
    }
    if (method === "CONNECT" || upgrade || lengths > 1 || (coding !== undefined && lengths)) {
      this.state = "opaque";
      return;
    }
    if (coding !== undefined) {
      const last = coding.split(",").pop()!.trim().toLowerCase();
      if (last !== "chunked") {
        this.state = "opaque";
        return;
      }
      this.#body = { kind: "chunked", part: "size", left: 0, line: 0 };
      this.#sizeLine = "";
      this.state = "body";
      return;
    }
    if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) {
        this.state = "opaque";
        return;
      }
      const n = Number(length);
      if (n > 0) {
        this.#body = { kind: "length", left: n };
        this.state = "body";
        return;
      }
    }
    this.#requestDone();
  }

  #requestDone(): void {
    this.state = "idle";
    this.#body = undefined;
    this.completed++;
  }

  #readBody(bytes: Uint8Array, from: number): number {
    const body = this.#body!;
    if (body.kind === "length") {
      const n = Math.min(body.left, bytes.length - from);
      body.left -= n;
      if (body.left === 0) this.#requestDone();
      return from + n;
    }
    let i = from;
    while (i < bytes.length && this.state === "body") {
      switch (body.part) {
        case "data": {
          const n = Math.min(body.left, bytes.length - i);
          body.left -= n;
          i += n;
          if (body.left === 0) {
            body.part = "dataEnd";
            body.line = 0;
          }
          break;
        }
        case "dataEnd":
        case "size":
        case "trailer": {
          const b = bytes[i++];
          if (b !== LF) {
            if (++body.line > MAX_LINE) this.state = "opaque";
            else if (body.part === "size" && b !== CR) this.#sizeLine += String.fromCharCode(b);
            break;
          }
          this.#lineDone(body);
          break;
        }
      }
    }
    return i;
  }

  #lineDone(body: Extract<Body, { kind: "chunked" }>): void {
    const length = body.line;
    body.line = 0;
    if (body.part === "dataEnd") {
      body.part = "size";
      this.#sizeLine = "";
      return;
    }
    if (body.part === "trailer") {
      // An empty line (only its CR, if any) ends the trailers and the request.
      if (length <= 1) this.#requestDone();
      return;
    }
    const size = /^\s*([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(this.#sizeLine);
    this.#sizeLine = "";
    if (!size) {
      this.state = "opaque";
      return;
    }
    const n = parseInt(size[1], 16);
    if (n === 0) body.part = "trailer";
    else {
      body.part = "data";
      body.left = n;
    }
  }
}
