/**
 * Property-based fuzzing of SigV4 verification (server/s3/auth/signature.ts): hostile
 * Authorization headers, presigned query strings and date / payload-hash headers must end in
 * an answer or a 4xx S3Error, never in another error or a 5xx; a request signed by the
 * independent signer of tests/sigv4.ts verifies, and changing any one thing it signed makes
 * it SignatureDoesNotMatch (403).
 *
 * Requests are built as the S3 router builds them: a RequestTarget of the URL and a HeaderMap
 * of a Headers object (so header values are what Deno can deliver: no NUL, CR or LF).
 */
import fc from "fast-check";
import { authenticate, type AuthRequest } from "../../server/api/auth/signature.ts";
import { S3Error } from "../../server/api/error.ts";
import { HeaderMap } from "../../server/util/header_map.ts";
import { RequestTarget } from "../../server/util/target.ts";
import { assert, assertEquals, AssertionError } from "../assert.ts";
import { amzNow, presign, signHeaders } from "../sigv4.ts";
import {
  asciiValue,
  describeError,
  expect4xx,
  headerSafeString,
  hexString,
  outcomeAsync,
  runs,
} from "./props.ts";

const CREDS = { accessKeyId: "AKIAFUZZEXAMPLE0001", secretAccessKey: "fuzz/Secret+Key=0123456789" };
const REGION = "garage";
const HOST = "s3.fuzz.test:3900";
const NOW = new Date("2024-06-15T12:00:00Z");
const { amzDate: AMZ_DATE, date: DATE } = amzNow(NOW);
const SCOPE = `${DATE}/${REGION}/s3/aws4_request`;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const PRESIGN_PARAMS = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires",
];

/** Synchronous or not, as the key table may answer either way. */
const lookup = (id: string) => id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined;

function request(method: string, href: string, headers: [string, string][]): AuthRequest {
  return { method, url: new RequestTarget(href), headers: new HeaderMap(new Headers(headers)) };
}

function verify(req: AuthRequest, now = NOW) {
  return outcomeAsync(() => authenticate(req, { region: REGION, lookup, now }));
}

// --- generators ----------------------------------------------------------------------------

/** A path segment: any text, encoded as a client encodes it, never a dot segment. */
const segment = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 4 }),
  fc.constantFrom("a b", "x+y", "100%", "é", "dir", "~tilde", "(!*')", "\\"),
).map((s) => /^\.{1,2}$/.test(s) ? s + "x" : s);

const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
const key = fc.array(segment, { minLength: 1, maxLength: 4 });

/** Query pairs a client may add (none that is a SigV4 parameter or SigV2's AWSAccessKeyId). */
const queryPairs = fc.array(
  fc.tuple(
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom("prefix", "list-type", "uploads", "versionId", "x-id", "delimiter"),
    ),
    fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("", "a b", "a+b", "%", "é/ü")),
  ).filter(([k]) => !/^x-amz-/i.test(k) && k !== "AWSAccessKeyId"),
  { maxLength: 4 },
);

function hrefOf(bucket: string, keySegments: string[], pairs: [string, string][]): string {
  const path = keySegments.map(encodeURIComponent).join("/");
  const q = new URLSearchParams(pairs).toString();
  return new URL(`http://${HOST}/${bucket}/${path}${q ? "?" + q : ""}`).href;
}

const method: fc.Arbitrary<string> = fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD");

const payloadHash = fc.oneof(
  hexString(64),
  fc.constantFrom(
    EMPTY_SHA256,
    "UNSIGNED-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  ),
);

/** Extra signed headers: user metadata and a few ordinary ones. */
const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.stringMatching(/^[a-z0-9-]{1,10}$/).map((s) => `x-amz-meta-${s}`),
    fc.constantFrom("content-type", "range", "x-amz-storage-class", "cache-control"),
  ),
  asciiValue,
  { maxKeys: 4 },
);

interface Signed {
  method: string;
  href: string;
  payloadHash: string;
  /** Every header sent, authorization included, by lower-case name. */
  headers: Record<string, string>;
}

const signedRequest: fc.Arbitrary<Signed> = fc.record({
  method,
  bucket: bucketName,
  key,
  query: queryPairs,
  payloadHash,
  extra: extraHeaders,
}).map(({ method, bucket, key, query, payloadHash, extra }) => {
  const href = hrefOf(bucket, key, query);
  const headers = signHeaders(method, href, CREDS, REGION, payloadHash, extra, NOW);
  return { method, href, payloadHash, headers: { host: HOST, ...headers } };
});

function send(s: Signed, headers = s.headers, href = s.href, m = s.method): AuthRequest {
  return request(m, href, Object.entries(headers));
}

/** What the server compares of a header value: Headers trims it, SigV4 collapses white space. */
function canonical(v: string): string {
  return (new Headers({ x: v }).get("x") ?? "").trim().replace(/\s+/g, " ");
}

function decodedPath(href: string): string[] {
  return new URL(href).pathname.split("/").map((s) => decodeURIComponent(s));
}

function sortedQuery(href: string): string {
  return JSON.stringify([...new URL(href).searchParams].sort());
}

/** A 4xx S3Error, or an Authenticated for the only key there is. */
function acceptedOr4xx(o: Awaited<ReturnType<typeof verify>>, context: string) {
  if (!o.ok) return expect4xx(o.error, context);
  if (o.value !== null) assertEquals(o.value.accessKeyId, CREDS.accessKeyId, context);
  return o.value;
}

function expectMismatch(o: Awaited<ReturnType<typeof verify>>, context: string): void {
  if (o.ok) throw new AssertionError(`${context}: a tampered request was accepted`);
  const e = expect4xx(o.error, context);
  if (e.code !== "SignatureDoesNotMatch" || e.status !== 403) {
    throw new AssertionError(
      `${context}: expected SignatureDoesNotMatch (403), got ${describeError(e)}`,
    );
  }
}

// --- (a) Authorization headers ---------------------------------------------------------------

const credentialPart = fc.oneof(
  fc.constantFrom(CREDS.accessKeyId, DATE, REGION, "s3", "aws4_request", "", "us-east-1"),
  headerSafeString({ maxLength: 10 }),
);
const credential = fc.oneof(
  fc.constant(`${CREDS.accessKeyId}/${SCOPE}`),
  fc.array(credentialPart, { maxLength: 7 }).map((p) => p.join("/")),
  headerSafeString({ maxLength: 40 }),
);
const signedHeadersList = fc.oneof(
  fc.constantFrom("host;x-amz-content-sha256;x-amz-date", "host", "", ";;", "HOST;X-AMZ-DATE"),
  fc.array(
    fc.oneof(
      fc.constantFrom("host", "x-amz-date", "x-amz-content-sha256", "range", "__proto__"),
      headerSafeString({ maxLength: 8 }),
    ),
    { maxLength: 5 },
  ).map((a) => a.join(";")),
);
const authField = fc.oneof(
  fc.tuple(fc.constant("Credential"), credential),
  fc.tuple(fc.constant("SignedHeaders"), signedHeadersList),
  fc.tuple(fc.constant("Signature"), fc.oneof(hexString(64), headerSafeString({ maxLength: 70 }))),
  fc.tuple(
    fc.constantFrom("credential", " Credential", "Signature ", "__proto__", "toString", ""),
    headerSafeString({ maxLength: 20 }),
  ),
);
const structuredAuthorization = fc.tuple(
  fc.constantFrom("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256  ", "AWS ", ""),
  fc.array(fc.tuple(authField, fc.constantFrom("=", " = ", "==", "")), { maxLength: 6 }),
  fc.constantFrom(",", ", ", " ,", ";"),
).map(([scheme, fields, sep]) => scheme + fields.map(([[k, v], eq]) => k + eq + v).join(sep));

type Edit = { at: number; kind: "insert" | "delete" | "replace"; char: string };
const edits = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom("insert", "delete", "replace") as fc.Arbitrary<Edit["kind"]>,
    char: headerSafeString({ minLength: 1, maxLength: 1 }),
  }),
  { minLength: 1, maxLength: 3 },
);

function applyEdits(s: string, es: Edit[]): string {
  for (const e of es) {
    const at = s.length === 0 ? 0 : e.at % (s.length + (e.kind === "insert" ? 1 : 0));
    if (e.kind === "insert") s = s.slice(0, at) + e.char + s.slice(at);
    else if (e.kind === "delete") s = s.slice(0, at) + s.slice(at + 1);
    else s = s.slice(0, at) + e.char + s.slice(at + 1);
  }
  return s;
}

Deno.test("fuzz sigv4: any Authorization header is either accepted or refused with a 4xx S3 error (2000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedRequest,
      fc.oneof(
        headerSafeString({ maxLength: 200, size: "medium" }),
        structuredAuthorization,
        fc.constant(undefined), // mutate the genuine header instead
      ),
      edits,
      async (s, replacement, es) => {
        const authorization = replacement ?? applyEdits(s.headers.authorization, es);
        const o = await verify(send(s, { ...s.headers, authorization }));
        const got = acceptedOr4xx(o, `Authorization ${JSON.stringify(authorization)}`);
        if (got !== null && !(got instanceof S3Error)) {
          // Accepted: then it can only be the signature and header list that were signed.
          assertEquals(
            got.signedHeaders,
            Object.keys(s.headers).filter((n) => n !== "authorization").sort(),
          );
        }
      },
    ),
    runs(2000),
  );
});

// --- (b) presigned query strings ----------------------------------------------------------

const presignValue = (name: string): fc.Arbitrary<string> => {
  const valid: Record<string, string[]> = {
    "X-Amz-Algorithm": ["AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1", ""],
    "X-Amz-Credential": [`${CREDS.accessKeyId}/${SCOPE}`, `nobody/${SCOPE}`, `x/${DATE}/a/s3`],
    "X-Amz-Date": [AMZ_DATE, "20240615T115959Z", "20240615T000000Z", "20240616T120000Z", "0"],
    "X-Amz-Expires": ["300", "0", "-1", "604800", "604801", "9999999", "1e3", "-0", "08"],
    "X-Amz-SignedHeaders": ["host", "host;x-amz-date", "", "range"],
    "X-Amz-Signature": [],
  };
  return fc.oneof(
    ...(valid[name].length ? [fc.constantFrom(...valid[name])] : []),
    hexString(64),
    fc.string({ maxLength: 30 }),
    fc.stringMatching(/^\d{8}T\d{6}Z$/),
  );
};

const presignedQuery = fc.tuple(
  fc.subarray(PRESIGN_PARAMS).chain((names) =>
    fc.tuple(...names.map((n) => presignValue(n).map((v) => [n, v] as [string, string])))
  ),
  queryPairs,
  fc.option(fc.tuple(fc.constantFrom("X-Amz-Content-Sha256", "AWSAccessKeyId"), payloadHash)),
  fc.option(headerSafeString({ maxLength: 30 })),
);

Deno.test("fuzz sigv4: any presigned query string is refused with a 4xx S3 error unless it has no SigV4 parameter (2000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      method,
      bucketName,
      key,
      presignedQuery,
      fc.integer({ min: -3600, max: 8 * 86400 }),
      async (m, bucket, k, [sig, extra, more, authorization], skew) => {
        const pairs = [...sig, ...extra, ...(more ? [more] : [])];
        const href = hrefOf(bucket, k, pairs);
        const headers: [string, string][] = [["host", HOST]];
        if (authorization !== null) headers.push(["authorization", authorization]);
        const o = await verify(request(m, href, headers), new Date(NOW.getTime() + skew * 1000));
        const context = `${m} ${href}${
          authorization !== null ? ` authorization=${authorization}` : ""
        }`;
        if (o.ok) {
          // No signature was made for these: only "no credentials at all" may pass.
          assert(o.value === null, `${context}: a forged presigned request was accepted`);
          assert(
            sig.length === 0 && authorization === null && more?.[0] !== "AWSAccessKeyId",
            `${context}: a request with credentials was treated as anonymous`,
          );
        } else {
          expect4xx(o.error, context);
        }
      },
    ),
    runs(2000),
  );
});

// --- (c) x-amz-date, date and x-amz-content-sha256 -----------------------------------------

const dateValue = fc.oneof(
  headerSafeString({ maxLength: 40 }),
  fc.stringMatching(/^\d{8}T\d{6}Z$/),
  fc.integer({ min: -20 * 60, max: 20 * 60 }).map((s) =>
    amzNow(new Date(NOW.getTime() + s * 1000)).amzDate
  ),
  fc.constantFrom(
    "Sat, 15 Jun 2024 12:00:00 GMT",
    "2024-06-15T12:00:00Z",
    "20240615T120000z",
    "20240615T120000.000Z",
    "99999999T999999Z",
    "00000000T000000Z",
    "",
  ),
);
const hashValue = fc.oneof(
  headerSafeString({ maxLength: 70 }),
  payloadHash,
  hexString(64).map((h) => h.toUpperCase()),
  hexString(63),
  fc.constantFrom("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "unsigned-payload", ""),
);
/** undefined: leave as signed; null: remove; a string: send that. */
const change = (a: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, {
    weight: 1,
    arbitrary: fc.constant(null),
  }, { weight: 4, arbitrary: a });

Deno.test("fuzz sigv4: any x-amz-date, date or x-amz-content-sha256 header is accepted only as signed, else refused with a 4xx S3 error (2000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedRequest,
      change(dateValue),
      change(dateValue),
      change(hashValue),
      fc.option(fc.tuple(fc.constantFrom("x-amz-decoded-content-length"), headerSafeString())),
      async (s, amzDate, date, hash, decoded) => {
        const headers = { ...s.headers };
        const set = (name: string, v: string | null | undefined) => {
          if (v === null) delete headers[name];
          else if (v !== undefined) headers[name] = v;
        };
        set("x-amz-date", amzDate);
        set("date", date);
        set("x-amz-content-sha256", hash);
        if (decoded) headers[decoded[0]] = decoded[1];
        const o = await verify(send(s, headers));
        const context = `headers ${JSON.stringify(headers)}`;
        const got = acceptedOr4xx(o, context);
        if (got !== null && !(got instanceof S3Error)) {
          assertEquals(canonical(headers["x-amz-date"] ?? ""), s.headers["x-amz-date"], context);
          assertEquals(
            canonical(headers["x-amz-content-sha256"] ?? ""),
            s.headers["x-amz-content-sha256"],
            context,
          );
        }
      },
    ),
    runs(2000),
  );
});

// --- round trips ---------------------------------------------------------------------------

Deno.test("fuzz sigv4: a request signed by tests/sigv4.ts signHeaders verifies (500 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(signedRequest, async (s) => {
      const o = await verify(send(s));
      if (!o.ok) {
        throw new AssertionError(`${s.method} ${s.href} refused: ${describeError(o.error)}`);
      }
      assert(o.value !== null, "a signed request was taken as anonymous");
      assertEquals(o.value.accessKeyId, CREDS.accessKeyId);
      const kind = o.value.payload.kind;
      assertEquals(
        kind,
        s.payloadHash === "UNSIGNED-PAYLOAD"
          ? "unsigned"
          : s.payloadHash.startsWith("STREAMING-")
          ? "streaming"
          : "sha256",
      );
    }),
    runs(500),
  );
});

type Tamper =
  | { what: "header"; pick: number; value: string }
  | { what: "host"; value: string }
  | { what: "x-amz-date"; seconds: number }
  | { what: "x-amz-content-sha256"; value: string }
  | { what: "path"; key: string[] }
  | { what: "query"; pairs: [string, string][]; mode: "add" | "replace" }
  | { what: "method"; value: string };

const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ what: fc.constant("header" as const), pick: fc.nat(), value: asciiValue }),
  fc.record({
    what: fc.constant("host" as const),
    value: fc.oneof(
      fc.constantFrom("s3.fuzz.test:3901", "S3.fuzz.test:3900x", "evil.test", "s3.fuzz.test"),
      fc.stringMatching(/^[a-z0-9.-]{1,20}(:\d{1,5})?$/),
    ),
  }),
  fc.record({
    what: fc.constant("x-amz-date" as const),
    seconds: fc.integer({ min: -899, max: 899 }).filter((s) => s !== 0),
  }),
  fc.record({ what: fc.constant("x-amz-content-sha256" as const), value: payloadHash }),
  fc.record({ what: fc.constant("path" as const), key }),
  fc.record({
    what: fc.constant("query" as const),
    pairs: queryPairs.filter((p) => p.length > 0),
    mode: fc.constantFrom("add" as const, "replace" as const),
  }),
  fc.record({
    what: fc.constant("method" as const),
    value: fc.oneof(
      method,
      fc.constantFrom("get", "PATCH", "OPTIONS", "Get", "GET "),
    ),
  }),
);

Deno.test("fuzz sigv4: changing any one signed header value, the path, the query or the method of a signed request is SignatureDoesNotMatch (2000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(signedRequest, tamper, async (s, t) => {
      const headers = { ...s.headers };
      let href = s.href;
      let m = s.method;
      switch (t.what) {
        case "header": {
          const names = Object.keys(headers).filter((n) =>
            !["authorization", "host", "x-amz-date", "x-amz-content-sha256"].includes(n)
          );
          fc.pre(names.length > 0);
          const name = names[t.pick % names.length];
          fc.pre(canonical(t.value) !== canonical(headers[name]));
          headers[name] = t.value;
          break;
        }
        case "host":
          fc.pre(t.value !== HOST);
          headers.host = t.value;
          break;
        case "x-amz-date":
          headers["x-amz-date"] = amzNow(new Date(NOW.getTime() + t.seconds * 1000)).amzDate;
          break;
        case "x-amz-content-sha256":
          fc.pre(t.value !== headers["x-amz-content-sha256"]);
          headers["x-amz-content-sha256"] = t.value;
          break;
        case "path": {
          const u = new URL(s.href);
          const bucket = u.pathname.split("/")[1];
          href = hrefOf(bucket, t.key, [...u.searchParams]);
          fc.pre(JSON.stringify(decodedPath(href)) !== JSON.stringify(decodedPath(s.href)));
          break;
        }
        case "query": {
          const u = new URL(s.href);
          const pairs: [string, string][] = t.mode === "add"
            ? [...u.searchParams, ...t.pairs]
            : t.pairs;
          const q = new URLSearchParams(pairs).toString();
          href = `${u.origin}${u.pathname}${q ? "?" + q : ""}`;
          fc.pre(sortedQuery(href) !== sortedQuery(s.href));
          break;
        }
        case "method":
          fc.pre(t.value !== s.method);
          m = t.value;
          break;
      }
      const o = await verify(send(s, headers, href, m));
      expectMismatch(o, `${JSON.stringify(t)} on ${s.method} ${s.href}`);
    }),
    runs(2000),
  );
});

Deno.test("fuzz sigv4: an x-amz-* header added after signing is refused with AccessDenied (300 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedRequest,
      fc.stringMatching(/^x-amz-[a-z0-9-]{1,16}$/),
      asciiValue,
      async (s, name, value) => {
        fc.pre(!(name in s.headers));
        const o = await verify(send(s, { ...s.headers, [name]: value }));
        if (o.ok) throw new AssertionError(`an unsigned ${name} header was accepted`);
        const e = expect4xx(o.error, name);
        assertEquals(e.code, "AccessDenied", describeError(e));
      },
    ),
    runs(300),
  );
});

const presigned = fc.record({
  method,
  bucket: bucketName,
  key,
  query: queryPairs,
  expires: fc.integer({ min: 1, max: 604800 }),
}).map(({ method, bucket, key, query, expires }) => ({
  method,
  expires,
  href: presign(method, hrefOf(bucket, key, query), CREDS, REGION, expires, NOW),
}));

Deno.test("fuzz sigv4: a URL presigned by tests/sigv4.ts verifies while valid, and any change to its path, query or method is SignatureDoesNotMatch (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      presigned,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.oneof(
        fc.constant(undefined),
        tamper.filter((t) => t.what === "path" || t.what === "query" || t.what === "method"),
        fc.record({
          what: fc.constant("expires" as const),
          value: fc.integer({ min: 1, max: 604800 }),
        }),
      ),
      async (p, when, t) => {
        const now = new Date(NOW.getTime() + Math.floor(when * (p.expires - 1)) * 1000);
        const headers: [string, string][] = [["host", HOST]];
        if (t === undefined) {
          const o = await verify(request(p.method, p.href, headers), now);
          if (!o.ok) {
            throw new AssertionError(`${p.method} ${p.href} refused: ${describeError(o.error)}`);
          }
          assert(o.value !== null, "a presigned request was taken as anonymous");
          assertEquals(o.value.payload, { kind: "unsigned" });
          return;
        }
        const u = new URL(p.href);
        let href = p.href;
        let m = p.method;
        if (t.what === "expires") {
          // Still covering `now`: only the signature may be at fault.
          fc.pre(t.value !== p.expires && t.value * 1000 >= now.getTime() - NOW.getTime());
          u.searchParams.set("X-Amz-Expires", String(t.value));
          href = u.href;
        } else if (t.what === "path") {
          const moved = new URL(hrefOf(u.pathname.split("/")[1], t.key, []));
          href = `${moved.origin}${moved.pathname}${u.search}`;
          fc.pre(JSON.stringify(decodedPath(href)) !== JSON.stringify(decodedPath(p.href)));
        } else if (t.what === "query") {
          const pairs = [...u.searchParams];
          const sig = pairs.filter(([k]) => k.startsWith("X-Amz-"));
          const mine = pairs.filter(([k]) => !k.startsWith("X-Amz-"));
          const next = t.mode === "add" ? [...mine, ...t.pairs] : t.pairs;
          href = `${u.origin}${u.pathname}?${new URLSearchParams([...next, ...sig])}`;
          fc.pre(sortedQuery(href) !== sortedQuery(p.href));
        } else if (t.what === "method") {
          fc.pre(t.value !== p.method);
          m = t.value;
        } else {
          return;
        }
        const o = await verify(request(m, href, headers), now);
        expectMismatch(o, `${JSON.stringify(t)} on ${p.method} ${p.href}`);
      },
    ),
    runs(1000),
  );
});
