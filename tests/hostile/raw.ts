/**
 * A bare HTTP/1.1 exchange over TCP for hostile clients: sends exactly the bytes a test gives
 * (bad framing, floods, truncated bodies, several requests in one write), reads every answer the
 * server sends while it writes, and reports how the connection ended (answers, closed by the
 * server, or still open at the deadline). Nothing is pooled: each exchange is its own connection.
 */
import { concatBytes } from "../../server/util/bytes.ts";

export const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The S3 error code (<Code>) of an XML error body, if any. */
  code?: string;
  text(): string;
}

export interface Exchange {
  /** Every complete answer, in order (interim 1xx answers are left out). */
  answers: RawAnswer[];
  /** The server closed or reset the connection before the exchange ended. */
  closed: boolean;
  /** Milliseconds from the connection until the server closed it. */
  closedAfterMs?: number;
  /** The deadline passed with the connection still open. */
  timedOut: boolean;
  connectError?: string;
  writeError?: string;
  readError?: string;
  /** Bytes after the last complete answer (a partial answer, or junk). */
  leftover: number;
}

export interface ExchangeOptions {
  /** The request(s) are HEAD: answers carry no body. */
  head?: boolean;
  /** Shut down the writing side once everything is written (a half-close). */
  halfClose?: boolean;
  /** Close the connection right after writing, without reading. */
  abortAfterWrite?: boolean;
  /** How many answers are expected; the exchange ends `settleMs` after the last of them. */
  expect?: number;
  /** How long to wait for anything more once `expect` answers came (default 600 ms). */
  settleMs?: number;
  /** Give up and close after this long (default 15 s). */
  timeoutMs?: number;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function bytes(...parts: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(parts.map((p) => typeof p === "string" ? encoder.encode(p) : p));
}

function indexOf(buf: Uint8Array, needle: number[], from: number): number {
  outer: for (let i = from; i <= buf.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLFCRLF = [13, 10, 13, 10];
const CRLF = [13, 10];

function answer(status: number, headers: Headers, body: Uint8Array): RawAnswer {
  const text = () => utf8.decode(body);
  const code = /<Code>([^<]+)<\/Code>/.exec(latin1.decode(body.subarray(0, 4096)))?.[1];
  return { status, headers, body, code, text };
}

/**
 * One answer at `from`, or null while it is incomplete. `eof`: the connection has ended, so a
 * body delimited by the close is complete.
 */
function parseOne(
  buf: Uint8Array,
  from: number,
  head: boolean,
  eof: boolean,
): { answer: RawAnswer | null; next: number } | null {
  const end = indexOf(buf, CRLFCRLF, from);
  if (end < 0) return null;
  const lines = latin1.decode(buf.subarray(from, end)).split("\r\n");
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const status = Number(m[1]);
  const headers = new Headers();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) {
      try {
        headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
      } catch {
        // a header value the Headers class refuses: irrelevant to the checks
      }
    }
  }
  let at = end + 4;
  if (status >= 100 && status < 200 && status !== 101) return { answer: null, next: at };
  if (head || status === 204 || status === 304) {
    return { answer: answer(status, headers, new Uint8Array()), next: at };
  }
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    const parts: Uint8Array[] = [];
    for (;;) {
      const lineEnd = indexOf(buf, CRLF, at);
      if (lineEnd < 0) return null;
      const size = parseInt(latin1.decode(buf.subarray(at, lineEnd)).split(";")[0].trim(), 16);
      if (Number.isNaN(size)) throw new Error("bad chunk size in an answer");
      at = lineEnd + 2;
      if (size === 0) {
        // trailers, up to an empty line
        for (;;) {
          const t = indexOf(buf, CRLF, at);
          if (t < 0) return null;
          const empty = t === at;
          at = t + 2;
          if (empty) break;
        }
        const body = bytes(...parts);
        return { answer: answer(status, headers, body), next: at };
      }
      if (buf.length < at + size + 2) return null;
      parts.push(buf.subarray(at, at + size));
      at += size + 2;
    }
  }
  const cl = headers.get("content-length");
  if (cl !== null) {
    const n = Number(cl);
    if (buf.length < at + n) return null;
    return { answer: answer(status, headers, buf.slice(at, at + n)), next: at + n };
  }
  if (!eof) return null;
  return { answer: answer(status, headers, buf.slice(at)), next: buf.length };
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off, off + (1 << 20)));
}

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Connects to `origin` (http://host:port), writes `data`, and reads what comes back. */
export async function exchange(
  origin: string,
  data: Uint8Array | Uint8Array[],
  opts: ExchangeOptions = {},
): Promise<Exchange> {
  const u = new URL(origin);
  const result: Exchange = { answers: [], closed: false, timedOut: false, leftover: 0 };
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  } catch (e) {
    result.connectError = message(e);
    result.closed = true;
    return result;
  }
  const started = performance.now();
  const parts = Array.isArray(data) ? data : [data];
  const writer = (async () => {
    try {
      for (const p of parts) await writeAll(conn, p);
      if (opts.halfClose) await conn.closeWrite();
    } catch (e) {
      result.writeError = message(e);
    }
  })();
  const closeConn = () => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  if (opts.abortAfterWrite) {
    await writer;
    closeConn();
    return result;
  }
  const expect = opts.expect ?? 1;
  const deadline = started + (opts.timeoutMs ?? 15_000);
  let settleUntil = Infinity;
  let buf: Uint8Array = new Uint8Array();
  let parsed = 0;
  const chunk = new Uint8Array(65536);
  let pending: Promise<{ n: number | null } | { err: unknown }> | undefined;
  const parse = (eof: boolean) => {
    try {
      for (;;) {
        const r = parseOne(buf, parsed, opts.head ?? false, eof);
        if (!r) break;
        parsed = r.next;
        if (r.answer) result.answers.push(r.answer);
      }
    } catch (e) {
      result.readError = message(e);
    }
  };
  for (;;) {
    const now = performance.now();
    const until = Math.min(deadline, settleUntil);
    if (now >= until) {
      result.timedOut = settleUntil === Infinity;
      break;
    }
    pending ??= conn.read(chunk).then((n) => ({ n }), (err) => ({ err }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      pending,
      new Promise<"timeout">((res) => timer = setTimeout(() => res("timeout"), until - now)),
    ]);
    clearTimeout(timer);
    if (r === "timeout") continue;
    pending = undefined;
    if ("err" in r || r.n === null) {
      if ("err" in r) result.readError = message(r.err);
      result.closed = true;
      result.closedAfterMs = performance.now() - started;
      parse(true);
      break;
    }
    buf = concat(buf, chunk.subarray(0, r.n));
    parse(false);
    if (result.answers.length >= expect) settleUntil = performance.now() + (opts.settleMs ?? 600);
  }
  result.leftover = buf.length - parsed;
  closeConn();
  await pending?.catch(() => {});
  await writer;
  return result;
}

/** One request on a fresh connection (`connection: close`), its answer, or an error. */
export async function request(
  origin: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: Uint8Array,
  opts: { timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const ex = await exchange(
    origin,
    requestBytes(method, target, new URL(origin).host, headers, body),
    {
      head: method === "HEAD",
      timeoutMs: opts.timeoutMs ?? 30_000,
      settleMs: 0,
    },
  );
  if (ex.answers.length === 0) {
    throw new Error(`${method} ${target.slice(0, 200)}: ${describe(ex)}`);
  }
  return ex.answers[0];
}

/**
 * The bytes of one request: request line, host, the headers given (in order), a content-length
 * for a body unless a header names the framing, and `connection: close` unless `keepAlive`.
 */
export function requestBytes(
  method: string,
  target: string,
  host: string,
  headers: Record<string, string>,
  body?: Uint8Array,
  keepAlive = false,
): Uint8Array {
  const names = Object.keys(headers).map((k) => k.toLowerCase());
  const framed = names.includes("content-length") || names.includes("transfer-encoding");
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (!framed && (body !== undefined || method === "PUT" || method === "POST")) {
    lines.push(`content-length: ${body?.length ?? 0}`);
  }
  if (!keepAlive && !names.includes("connection")) lines.push("connection: close");
  return bytes(lines.join("\r\n") + "\r\n\r\n", body ?? new Uint8Array());
}

/** What a connection gave, in a few words: "400 IncompleteBody", "closed without an answer"… */
export function describe(ex: Exchange): string {
  if (ex.connectError) return `connection refused (${ex.connectError})`;
  const answers = ex.answers.map((a) => `${a.status}${a.code ? " " + a.code : ""}`);
  const end = ex.closed
    ? `closed by the server after ${Math.round(ex.closedAfterMs ?? 0)} ms`
    : ex.timedOut
    ? "still open at the deadline"
    : "open";
  const what = answers.length === 0
    ? "no answer"
    : answers.length === 1
    ? answers[0]
    : `${answers.length} answers: ${answers.join(", ")}`;
  const extra = [
    ex.leftover ? `${ex.leftover} unparsed bytes` : "",
    ex.readError ? `read: ${ex.readError}` : "",
    ex.writeError ? `write: ${ex.writeError}` : "",
  ].filter(Boolean).join("; ");
  return `${what}, ${end}${extra ? ` (${extra})` : ""}`;
}

export function statusText(a: RawAnswer | undefined): string {
  return a ? `${a.status}${a.code ? " " + a.code : ""}` : "no answer";
}
