/**
 * Property-based fuzzing of the aws-chunked decoder (server/s3/auth/chunked.ts): any byte
 * stream, cut into reads anywhere, decodes or fails with a 4xx S3Error (and the trailers
 * promise fails with the same error); a valid signed encoding decodes to exactly its data
 * however it is cut; a flipped or missing byte never yields different data or trailers.
 *
 * Signed bodies come from the real pipeline: tests/sigv4.ts signs the request headers,
 * authenticate() verifies them and hands back the chunk signer the decoder chains from.
 */
import fc from "fast-check";
import { createHash, createHmac } from "node:crypto";
import { type ChunkSigner, decodeAwsChunked } from "../../server/api/auth/chunked.ts";
import { authenticate } from "../../server/api/auth/signature.ts";
import { HeaderMap } from "../../server/util/header_map.ts";
import { RequestTarget } from "../../server/util/target.ts";
import { assert, assertEquals, AssertionError } from "../assert.ts";
import { amzNow, signChunked, signHeaders, signingKey } from "../sigv4.ts";
import {
  concat,
  cutsOf,
  describeError,
  expect4xx,
  hexString,
  type Outcome,
  outcomeAsync,
  runs,
  sameBytes,
  splitAt,
  streamOf,
} from "./props.ts";

const CREDS = { accessKeyId: "AKIAFUZZCHUNKED00001", secretAccessKey: "chunked/secret" };
const REGION = "garage";
const NOW = new Date("2024-06-15T12:00:00Z");
const { amzDate: AMZ_DATE, date: DATE } = amzNow(NOW);
const SCOPE = `${DATE}/${REGION}/s3/aws4_request`;
const URL_ = "http://s3.fuzz.test:3900/bucket/object";
const lookup = (id: string) => id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined;

type Options = Parameters<typeof decodeAwsChunked>[0];
interface Decoded {
  data: Uint8Array;
  trailers: Record<string, string>;
}

/**
 * Feeds the reads to a decoder. The stream and the trailers must agree: both succeed, or both
 * fail with the same error.
 */
async function decode(reads: Uint8Array[], opts: Options): Promise<Outcome<Decoded>> {
  const { stream, trailers } = decodeAwsChunked(opts);
  const data = await outcomeAsync(() => new Response(streamOf(reads).pipeThrough(stream)).bytes());
  const t = await outcomeAsync(() => trailers);
  if (data.ok !== t.ok) {
    throw new AssertionError(
      `the stream ${data.ok ? "ended" : "failed"} but the trailers ${t.ok ? "resolved" : "failed"}`,
    );
  }
  if (!data.ok || !t.ok) {
    const e1 = data.ok ? undefined : data.error;
    const e2 = t.ok ? undefined : t.error;
    assert(
      e1 === e2,
      `the stream failed with ${describeError(e1)}, the trailers with ${describeError(e2)}`,
    );
    return { ok: false, error: e1 };
  }
  return { ok: true, value: { data: data.value, trailers: t.value } };
}

async function authenticated(headers: Record<string, string>) {
  const auth = await authenticate({
    method: "PUT",
    url: new RequestTarget(URL_),
    headers: new HeaderMap(new Headers({ host: "s3.fuzz.test:3900", ...headers })),
  }, { region: REGION, lookup, now: NOW });
  assert(auth !== null && auth.payload.kind === "streaming", "not a streaming upload");
  return auth.payload;
}

const sha256 = (d: Uint8Array | string) => createHash("sha256").update(d).digest("hex");

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER upload as an SDK sends it: headers signed by
 * tests/sigv4.ts, chunks and trailers signed in a chain from the request's signature.
 */
function signTrailer(
  data: Uint8Array,
  chunkSize: number,
  trailers: [string, string][],
): { headers: Record<string, string>; body: Uint8Array } {
  const headers = signHeaders(
    "PUT",
    URL_,
    CREDS,
    REGION,
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    {
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(data.length),
      "x-amz-trailer": trailers.map(([n]) => n).join(",") || "x-amz-checksum-crc32",
    },
    NOW,
  );
  let previous = /Signature=([0-9a-f]{64})/.exec(headers.authorization)![1];
  const key = signingKey(CREDS.secretAccessKey, DATE, REGION);
  const sign = (kind: string, hashes: string) =>
    previous = createHmac("sha256", key).update(
      [kind, AMZ_DATE, SCOPE, previous, hashes].join("\n"),
    )
      .digest("hex");
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  const parts: (Uint8Array | string)[] = [];
  for (const c of [...chunks, new Uint8Array(0)]) {
    parts.push(
      `${c.length.toString(16)};chunk-signature=${
        sign("AWS4-HMAC-SHA256-PAYLOAD", `${sha256("")}\n${sha256(c)}`)
      }\r\n`,
      c,
    );
    if (c.length) parts.push("\r\n");
  }
  const signed = trailers.map(([n, v]) => `${n}:${v}\n`).join("");
  const signature = sign("AWS4-HMAC-SHA256-TRAILER", sha256(signed));
  for (const [n, v] of trailers) parts.push(`${n}:${v}\r\n`);
  parts.push(`x-amz-trailer-signature:${signature}\r\n\r\n`);
  return { headers, body: concat(...parts) };
}

// --- generators ----------------------------------------------------------------------------

/** Mostly small, sometimes spanning several chunks (fast-check keeps arrays short by default). */
const data = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 1500, size: "max" }),
);
const chunkSize = fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 700 }));
/** Trailer names as the decoder hands them back (lower case), values without edge spaces. */
const trailerList = fc.uniqueArray(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-sha256",
        "x-amz-checksum-crc64nvme",
      ),
      fc.stringMatching(/^x-amz-meta-[a-z0-9-]{1,8}$/),
    ),
    fc.stringMatching(/^[A-Za-z0-9+/=]([A-Za-z0-9+/= ]{0,30}[A-Za-z0-9+/=])?$/),
  ),
  { selector: ([n]) => n, maxLength: 3 },
);

/** A signed upload of random data, with or without trailers. */
const signedUpload = fc.record({
  data,
  chunkSize,
  trailers: fc.option(trailerList),
}).map(({ data, chunkSize, trailers }) => {
  const { headers, body } = trailers === null
    ? signChunked(URL_, CREDS, REGION, data, chunkSize, NOW)
    : signTrailer(data, chunkSize, trailers);
  return { data, headers, body, trailers: Object.fromEntries(trailers ?? []) };
});

const randomSigner: fc.Arbitrary<ChunkSigner> = fc.record({
  signingKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  amzDate: fc.constant(AMZ_DATE),
  scope: fc.constant(SCOPE),
  seedSignature: hexString(64),
});

const randomOptions: fc.Arbitrary<Options> = fc.record({
  signer: fc.option(randomSigner, { nil: undefined }),
  trailer: fc.boolean(),
  decodedLength: fc.option(fc.oneof(fc.nat(64), fc.nat()), { nil: undefined }),
});

/** Pieces of aws-chunked framing, put together in any order. */
const framingToken: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.constantFrom(
    "0",
    "1",
    "5",
    "a",
    "A",
    "10",
    "fffffffffffff",
    "10000000000000",
    "-1",
    " 5",
    "0x5",
    ";",
    ";chunk-signature=",
    "chunk-signature=",
    "\r\n",
    "\r",
    "\n",
    "\r\n\r\n",
    ":",
    "x-amz-checksum-crc32:AAAAAA==",
    "x-amz-trailer-signature:",
    "__proto__:x",
    "constructor:y",
    " ",
  ),
  hexString(64),
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 20 }),
);
const framed = fc.array(framingToken, { maxLength: 40, size: "medium" }).map((parts) =>
  concat(...parts)
);

// --- properties ----------------------------------------------------------------------------

Deno.test("fuzz aws-chunked: random bytes, cut into random reads, decode or fail with a 4xx S3 error (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 300, size: "medium" }), framed).chain((body) =>
        fc.tuple(fc.constant(body), cutsOf(body.length), randomOptions)
      ),
      async ([body, cuts, opts]) => {
        const o = await decode(splitAt(body, cuts), opts);
        if (!o.ok) expect4xx(o.error, `body ${JSON.stringify(new TextDecoder().decode(body))}`);
        else if (opts.decodedLength !== undefined) {
          assertEquals(o.value.data.length, opts.decodedLength, "decoded length not enforced");
        }
      },
    ),
    runs(1000),
  );
});

Deno.test("fuzz aws-chunked: a valid signed encoding of random data, cut at random points, decodes to exactly the data and trailers (500 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedUpload.chain((u) => fc.tuple(fc.constant(u), cutsOf(u.body.length, 30))),
      async ([u, cuts]) => {
        const payload = await authenticated(u.headers);
        const o = await decode(splitAt(u.body, cuts), payload);
        if (!o.ok) throw new AssertionError(`refused: ${describeError(o.error)}`);
        assert(sameBytes(o.value.data, u.data), "decoded data differs");
        assertEquals(o.value.trailers, u.trailers);
      },
    ),
    runs(500),
  );
});

Deno.test("fuzz aws-chunked: flipping any byte of a signed encoding fails with a 4xx S3 error, never yields different data or trailers (1500 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedUpload.chain((u) =>
        fc.tuple(
          fc.constant(u),
          fc.nat(u.body.length - 1),
          fc.integer({ min: 1, max: 255 }),
          cutsOf(u.body.length, 6),
        )
      ),
      async ([u, at, xor, cuts]) => {
        const payload = await authenticated(u.headers);
        const body = u.body.slice();
        body[at] ^= xor;
        const o = await decode(splitAt(body, cuts), payload);
        const context = `byte ${at} of ${u.body.length} (${
          JSON.stringify(String.fromCharCode(u.body[at]))
        } -> ${JSON.stringify(String.fromCharCode(body[at]))})`;
        if (!o.ok) {
          expect4xx(o.error, context);
          return;
        }
        assert(sameBytes(o.value.data, u.data), `${context}: decoded to different data`);
        assertEquals(o.value.trailers, u.trailers, `${context}: different trailers`);
      },
    ),
    runs(1500),
  );
});

Deno.test("fuzz aws-chunked: a signed encoding cut short fails with a 4xx S3 error, never yields less data (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      signedUpload.chain((u) => fc.tuple(fc.constant(u), fc.nat(u.body.length - 1))),
      async ([u, length]) => {
        const payload = await authenticated(u.headers);
        const o = await decode([u.body.slice(0, length)], payload);
        if (!o.ok) {
          expect4xx(o.error, `cut at ${length} of ${u.body.length}`);
          return;
        }
        assert(sameBytes(o.value.data, u.data), `cut at ${length}: decoded to different data`);
        assertEquals(o.value.trailers, u.trailers);
      },
    ),
    runs(1000),
  );
});

Deno.test("fuzz aws-chunked: an x-amz-decoded-content-length other than the data's length fails with a 4xx S3 error (300 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      data,
      chunkSize,
      fc.integer({ min: -2000, max: 2000 }).filter((d) => d !== 0),
      async (d, size, delta) => {
        fc.pre(d.length + delta >= 0);
        const { headers, body } = signChunked(URL_, CREDS, REGION, d, size, NOW, d.length + delta);
        const payload = await authenticated(headers);
        const o = await decode([body], payload);
        if (o.ok) {
          throw new AssertionError(
            `a body of ${d.length} bytes claiming ${d.length + delta} was accepted`,
          );
        }
        expect4xx(o.error);
      },
    ),
    runs(300),
  );
});

Deno.test("fuzz aws-chunked: an unsigned encoding with trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER) decodes to exactly its data and trailers (500 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      data,
      chunkSize,
      trailerList,
      fc.constantFrom("", ";ext=1", ";chunk-signature=" + "0".repeat(64)),
      fc.boolean(),
      async (d, size, trailers, ext, upper) => {
        const parts: (Uint8Array | string)[] = [];
        for (let i = 0; i < d.length; i += size) {
          const c = d.subarray(i, i + size);
          const hex = c.length.toString(16);
          parts.push(`${upper ? hex.toUpperCase() : hex}${ext}\r\n`, c, "\r\n");
        }
        parts.push(`0${ext}\r\n`, ...trailers.map(([n, v]) => `${n}:${v}\r\n`), "\r\n");
        const body = concat(...parts);
        const cuts = [...Array(Math.min(body.length, 20)).keys()].map((i) => i * 7 + 1);
        const o = await decode(splitAt(body, cuts), { trailer: true, decodedLength: d.length });
        if (!o.ok) throw new AssertionError(`refused: ${describeError(o.error)}`);
        assert(sameBytes(o.value.data, d), "decoded data differs");
        assertEquals(o.value.trailers, Object.fromEntries(trailers));
      },
    ),
    runs(500),
  );
});
