/**
 * Property-based fuzzing of the request-line and header helpers every S3 request goes
 * through: RequestTarget and its QueryParams (server/util/target.ts), locate
 * (server/s3/locate.ts), validateKey (server/s3/keys.ts), and the precondition headers
 * (server/s3/conditions.ts). They must agree with the WHATWG URL parser where they claim to,
 * and fail only with a 4xx S3Error.
 */
import fc from "fast-check";
import { checkWriteConditions, conditionHeaders, evaluate } from "../../server/api/conditions.ts";
import { S3Error } from "../../server/api/error.ts";
import { validateKey } from "../../server/api/keys.ts";
import { locate } from "../../server/s3/locate.ts";
import { HeaderMap } from "../../server/util/header_map.ts";
import { QueryParams, RequestTarget } from "../../server/util/target.ts";
import { assert, assertEquals, AssertionError } from "../assert.ts";
import { describeError, expect4xx, headerSafeString, outcome, runs } from "./props.ts";

const host = fc.oneof(
  fc.constantFrom("127.0.0.1:3900", "[::1]:3900", "s3.example.com", "b.s3.example.com:443", "h"),
  fc.stringMatching(/^[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,2}(:\d{1,5})?$/),
);

/** Raw text for a path, query or fragment: escapes (valid or not), delimiters, any text. */
const rawPiece = fc.oneof(
  fc.constantFrom(
    "/",
    "//",
    ".",
    "..",
    "/./",
    "/../",
    "%",
    "%2",
    "%2F",
    "%2f",
    "%zz",
    "%00",
    "%C3%A9",
    "%C3",
    "%FF",
    "%EF%BB%BF",
    "+",
    "=",
    "&",
    "?",
    "#",
    "\\",
    ";",
    "é",
    "💾",
    " ",
  ),
  fc.string({ maxLength: 6 }),
);
const raw = fc.array(rawPiece, { maxLength: 10 }).map((p) => p.join(""));

Deno.test("fuzz url: RequestTarget reads the host, path and query of any URL as the URL parser serializes them (2000 runs)", () => {
  fc.assert(
    fc.property(host, raw, fc.option(raw), fc.option(raw), (h, path, query, fragment) => {
      const href = `http://${h}/${path}${query !== null ? "?" + query : ""}${
        fragment !== null ? "#" + fragment : ""
      }`;
      const parsed = outcome(() => new URL(href));
      fc.pre(parsed.ok);
      const u = (parsed as { ok: true; value: URL }).value;
      const t = new RequestTarget(u.href);
      assertEquals(
        { host: t.host, pathname: t.pathname, search: t.search },
        { host: u.host, pathname: u.pathname, search: u.search },
        `RequestTarget(${JSON.stringify(u.href)})`,
      );
    }),
    runs(2000),
  );
});

Deno.test("fuzz url: QueryParams decodes any query string as URLSearchParams does (2000 runs)", () => {
  fc.assert(
    fc.property(raw, (query) => {
      const search = "?" + query.replace(/#/g, "");
      const mine = new QueryParams(search);
      const theirs = new URLSearchParams(search);
      for (const name of new Set([...theirs.keys(), ...mine.keys()])) {
        assertEquals(
          [mine.has(name), mine.get(name)],
          [theirs.has(name), theirs.get(name)],
          `${JSON.stringify(name)} in ${JSON.stringify(search)}`,
        );
      }
    }),
    runs(2000),
  );
});

const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
const keyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom("a/b", "a//b", "/", "%", "100%", "a+b", "é", ".", "..", "a/./b"),
);

Deno.test("fuzz locate: path-style and virtual-host-style requests give back the bucket and key that were encoded, and any raw path gives a location or a 4xx S3 error (2000 runs)", () => {
  fc.assert(
    fc.property(
      bucket,
      keyText,
      fc.constantFrom(undefined, ".s3.example.com", "s3.example.com"),
      fc.boolean(),
      raw,
      (b, key, rootDomain, virtual, rawPath) => {
        // Each character percent-encoded: what any client may send, and what must decode back.
        const encoded = [...new TextEncoder().encode(key)].map((c) =>
          "%" + c.toString(16).padStart(2, "0")
        ).join("");
        const root = rootDomain?.replace(/^\./, "");
        const expected = { bucket: b, key: key === "" ? undefined : key };
        if (virtual && root) {
          const got = locate(
            { host: `${b}.${root}:3900`, pathname: `/${encoded}` },
            null,
            rootDomain,
          );
          assertEquals(got, expected, `virtual-host ${b}.${root} /${encoded}`);
        } else {
          const got = locate(
            { host: "127.0.0.1:3900", pathname: `/${b}/${encoded}` },
            null,
            rootDomain,
          );
          assertEquals(got, expected, `path-style /${b}/${encoded}`);
        }
        const o = outcome(() =>
          locate({ host: "127.0.0.1:3900", pathname: "/" + rawPath }, "h", rootDomain)
        );
        if (!o.ok) expect4xx(o.error, `path /${rawPath}`);
      },
    ),
    runs(2000),
  );
});

Deno.test("fuzz keys: validateKey accepts exactly the keys of 1 to 1024 UTF-8 bytes, and refuses the others with a 4xx S3 error (2000 runs)", () => {
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.string({ unit: "binary", maxLength: 1100, size: "max" }),
        fc.tuple(
          fc.constantFrom("a", "é", "€", "💾", "\uD800", "\uDC00"),
          fc.integer({ min: 250, max: 1100 }),
        )
          .map(([c, n]) => c.repeat(n)),
        fc.array(fc.oneof(fc.string({ maxLength: 3 }), loneSurrogate), {
          maxLength: 600,
          size: "max",
        })
          .map((p) => p.join("")),
      ),
      (key) => {
        const bytes = new TextEncoder().encode(key).length;
        const o = outcome(() => validateKey(key));
        const context = `a key of ${key.length} UTF-16 units, ${bytes} UTF-8 bytes`;
        if (bytes >= 1 && bytes <= 1024) {
          if (!o.ok) throw new AssertionError(`${context} refused: ${describeError(o.error)}`);
        } else {
          if (o.ok) throw new AssertionError(`${context} accepted`);
          expect4xx(o.error, context);
        }
      },
    ),
    runs(2000),
  );
});

const etag = fc.oneof(
  fc.constantFrom("abc", "d41d8cd98f00b204e9800998ecf8427e", "x-1"),
  fc.string({ maxLength: 6 }),
);
const conditionValue = fc.option(
  fc.oneof(
    headerSafeString({ maxLength: 40 }),
    fc.constantFrom(
      "*",
      '"abc"',
      'W/"abc"',
      '"x", "abc"',
      '""',
      ",",
      "Sat, 10 Jan 2026 12:00:00 GMT",
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    etag.map((e) => `"${e}"`),
  ),
);

Deno.test("fuzz conditions: any If-* headers give ok, notModified, or a 4xx S3 error (412 or 404), and an If-Match naming the ETag never fails (2000 runs)", () => {
  fc.assert(
    fc.property(
      fc.record({
        "if-match": conditionValue,
        "if-none-match": conditionValue,
        "if-modified-since": conditionValue,
        "if-unmodified-since": conditionValue,
      }),
      fc.constantFrom("if-", "x-amz-copy-source-if-"),
      etag,
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }),
      fc.option(etag, { nil: undefined }),
      (values, prefix, e, modified, current) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(values)) {
          if (v !== null) headers.set(prefix === "if-" ? k : prefix + k.slice(3), v);
        }
        const h = new HeaderMap(headers);
        const c = conditionHeaders(h, prefix);
        const context = `headers ${JSON.stringify([...headers])}, etag ${JSON.stringify(e)}`;
        const o = outcome(() => evaluate(c, { etag: e, lastModified: modified.getTime() }));
        if (o.ok) assert(o.value === "ok" || o.value === "notModified", context);
        else {
          const err = expect4xx(o.error, context);
          if (
            err instanceof S3Error && err.extra.Condition === "If-Match" && c.ifMatch !== null &&
            c.ifMatch.split(",").some((t) => t.trim() === `"${e}"` || t.trim() === "*")
          ) {
            throw new AssertionError(`${context}: If-Match named the ETag and failed`);
          }
        }
        const w = outcome(() => checkWriteConditions(h, current));
        if (!w.ok) expect4xx(w.error, `${context}, current ${JSON.stringify(current)}`);
      },
    ),
    runs(2000),
  );
});
