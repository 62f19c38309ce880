/**
 * Property-based fuzzing of the request framing the HTTP gate follows (server/net/
 * request_framing.ts): any bytes, cut anywhere, are followed without an exception; a series of
 * well-formed requests (bodies by Content-Length or chunked, trailers, empty lines between)
 * is seen to end exactly as many times as there are requests, however the reads cut it.
 */
import fc from "fast-check";
import { RequestFraming } from "../../server/net/request_framing.ts";
import { assertEquals } from "../assert.ts";
import { concat, cutsOf, enc, runs, splitAt } from "./props.ts";

const token = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
const value = fc.stringMatching(/^[ -~]{0,40}$/).map((s) => s.trim());
const data = fc.uint8Array({ maxLength: 300 });

/** One well-formed request, as bytes. */
const request = fc.record({
  method: fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD"),
  path: fc.stringMatching(/^\/[A-Za-z0-9/%._~-]{0,30}$/),
  headers: fc.array(fc.tuple(token, value), { maxLength: 6 }),
  body: fc.oneof(
    fc.constant({ kind: "none" as const }),
    data.map((d) => ({ kind: "length" as const, d })),
    fc.record({
      kind: fc.constant("chunked" as const),
      chunks: fc.array(data.filter((d) => d.length > 0), { maxLength: 4 }),
      trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }),
    }),
  ),
  leading: fc.constantFrom("", "\r\n"),
}).map(({ method, path, headers, body, leading }) => {
  const framing = headers.filter(([n]) => !/^(content-length|transfer-encoding|upgrade)$/i.test(n));
  const lines = framing.map(([n, v]) => `${n}: ${v}\r\n`).join("");
  if (body.kind === "none") return concat(leading, `${method} ${path} HTTP/1.1\r\n${lines}\r\n`);
  if (body.kind === "length") {
    return concat(
      leading,
      `${method} ${path} HTTP/1.1\r\n${lines}Content-Length: ${body.d.length}\r\n\r\n`,
      body.d,
    );
  }
  const parts: (Uint8Array | string)[] = [
    leading,
    `${method} ${path} HTTP/1.1\r\n${lines}Transfer-Encoding: chunked\r\n\r\n`,
  ];
  for (const c of body.chunks) parts.push(`${c.length.toString(16)};ext=1\r\n`, c, "\r\n");
  parts.push("0\r\n", ...body.trailers.map(([n, v]) => `${n}: ${v}\r\n`), "\r\n");
  return concat(...parts);
});

const stream = fc.array(request, { minLength: 1, maxLength: 5 }).chain((reqs) => {
  const all = concat(...reqs);
  return fc.tuple(fc.constant(reqs.length), fc.constant(all), cutsOf(all.length));
});

Deno.test("fuzz framing: well-formed requests end as many times as they were sent, however cut (1000 runs)", () => {
  fc.assert(
    fc.property(stream, ([count, bytes, cuts]) => {
      const f = new RequestFraming();
      for (const piece of splitAt(bytes, cuts)) f.feed(piece);
      assertEquals({ completed: f.completed, state: f.state }, { completed: count, state: "idle" });
    }),
    runs(1000),
  );
});

Deno.test("fuzz framing: each request line's end is found once, however cut (1000 runs)", () => {
  fc.assert(
    fc.property(stream, ([count, bytes, cuts]) => {
      const f = new RequestFraming();
      const ends: number[] = [];
      let at = 0;
      for (const piece of splitAt(bytes, cuts)) {
        f.feed(piece);
        ends.push(...f.lineEnds.map((i) => at + i));
        at += piece.length;
      }
      // The gate inserts the client's address at these offsets: each must follow a request
      // line's line feed, one per request.
      assertEquals(ends.length, count);
      const text = new TextDecoder("latin1").decode(bytes);
      for (const end of ends) {
        assertEquals(text[end - 1], "\n");
        const line = text.slice(text.lastIndexOf("\n", end - 2) + 1, end);
        // The line may begin with the last bytes of the body before it.
        assertEquals(/(GET|PUT|POST|DELETE|HEAD) \S* HTTP\/1\.1\r\n$/.test(line), true, line);
      }
    }),
    runs(1000),
  );
});

Deno.test("fuzz framing: a request cut short is seen as still under way (1000 runs)", () => {
  fc.assert(
    fc.property(request, fc.nat(), (bytes, at) => {
      const cut = bytes.subarray(0, at % bytes.length);
      const f = new RequestFraming();
      f.feed(cut);
      // The cut may fall in leading empty lines only: then no request has begun.
      const begun = enc.encode(new TextDecoder().decode(cut).replace(/^[\r\n]+/, "")).length > 0;
      assertEquals(f.completed, 0);
      assertEquals(f.state === "idle", !begun);
    }),
    runs(1000),
  );
});

Deno.test("fuzz framing: any bytes in any reads are followed without an exception (2000 runs)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), cutsOf(2000), (bytes, cuts) => {
      const f = new RequestFraming();
      for (const piece of splitAt(bytes, cuts.filter((c) => c < bytes.length))) f.feed(piece);
      assertEquals(["idle", "head", "body", "opaque"].includes(f.state), true);
    }),
    runs(2000),
  );
});

Deno.test("framing: ambiguous framing is no longer followed", () => {
  for (
    const head of [
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
    ]
  ) {
    const f = new RequestFraming();
    f.feed(enc.encode(head));
    assertEquals(f.state, "opaque", head);
  }
});
