/**
 * A bare HTTP/1.1 client over TCP: sends exactly the bytes a test wants (a body shorter than
 * its Content-Length, a large body streamed with a Content-Length) and reads the answer.
 * Deno's fetch cannot do either: it sends stream bodies chunked, and slowly under back-pressure.
 */
import { concatBytes } from "../server/util/bytes.ts";

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

export async function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: ReadableStream<Uint8Array> | Uint8Array,
  opts: {
    closeAfterBody?: boolean;
    /** Ends the sending side after the body (shorter than announced) and reads the answer. */
    halfClose?: boolean;
  } = {},
): Promise<RawResponse | null> {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  try {
    const head =
      `${method} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\nconnection: close\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    await writeAll(conn, new TextEncoder().encode(head));
    if (body instanceof Uint8Array) await writeAll(conn, body);
    else if (body) { for await (const c of body) await writeAll(conn, c); }
    if (opts.closeAfterBody) return null;
    if (opts.halfClose) await conn.closeWrite();
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(concatBytes(chunks));
    const [top, ...rest] = text.split("\r\n\r\n");
    const [statusLine, ...headerLines] = top.split("\r\n");
    const h = new Headers();
    for (const l of headerLines) {
      const i = l.indexOf(":");
      h.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
    }
    return { status: Number(statusLine.split(" ")[1]), headers: h, body: rest.join("\r\n\r\n") };
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the peer
    }
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}
