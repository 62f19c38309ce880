/**
 * The aws-chunked decoder against the two worked examples of the S3 API
 * reference ("Transferring Payload in Multiple Chunks" and "Signature
 * calculations for trailing headers"), then framing corner cases.
 */
import { deepStrictEqual, equal, rejects } from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { S3Error, type S3ErrorCode } from "../error.ts";
import { type ChunkSigner, decodeAwsChunked } from "./chunked.ts";

const text = (s: string) => new TextEncoder().encode(s);

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => typeof p === "string" ? text(p) : p);
  const out = new Uint8Array(bytes.reduce((n, p) => n + p.length, 0));
  bytes.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

// The examples' secret, time and scope; the signing key derived as SigV4 does.
const SCOPE = "20130524/us-east-1/s3/aws4_request";
const SIGNING_KEY = ["20130524", "us-east-1", "s3", "aws4_request"].reduce(
  (key: string | Uint8Array, part) => createHmac("sha256", key).update(part).digest(),
  "AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
) as Uint8Array;

function signer(seedSignature: string): ChunkSigner {
  return { signingKey: SIGNING_KEY, amzDate: "20130524T000000Z", scope: SCOPE, seedSignature };
}

const A64K = new Uint8Array(65536).fill(0x61);
const A1K = new Uint8Array(1024).fill(0x61);

/** The body of the example without trailers, with its published signatures. */
const EXAMPLE = concat(
  "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n",
  A64K,
  "\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n",
  A1K,
  "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n",
  "\r\n",
);
const EXAMPLE_SIGNER = signer("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

/** The body of the example with a trailing CRC32C, with its published signatures. */
const TRAILER_EXAMPLE = concat(
  "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n",
  A64K,
  "\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n",
  A1K,
  "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n",
  "x-amz-checksum-crc32c:sOO8/Q==\r\n",
  "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
  "\r\n",
);
const TRAILER_SIGNER = signer("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");

type Options = Parameters<typeof decodeAwsChunked>[0];

/** Feeds body to the decoder in reads cut at the given offsets. */
async function decode(body: Uint8Array, opts: Options, cuts: number[] = []) {
  const reads = [0, ...cuts, body.length].slice(1).map((end, i, ends) =>
    body.subarray(i === 0 ? 0 : ends[i - 1], end)
  );
  const { stream, trailers } = decodeAwsChunked(opts);
  const data = await new Response(ReadableStream.from(reads).pipeThrough(stream)).bytes();
  return { data, trailers: await trailers };
}

function everyNth(length: number, n: number): number[] {
  return Array.from({ length: Math.ceil(length / n) - 1 }, (_, i) => (i + 1) * n);
}

/** The stream fails with code, and the trailers with the same error. */
async function fails(body: Uint8Array, opts: Options, code: S3ErrorCode) {
  const { stream, trailers } = decodeAwsChunked(opts);
  const out = new Response(ReadableStream.from([body]).pipeThrough(stream)).bytes();
  const isCode = (e: unknown) => e instanceof S3Error && e.code === code;
  await rejects(out, isCode);
  await rejects(trailers, isCode);
}

Deno.test("AWS example: 64 KiB and 1 KiB chunks, each signature chained from the last", async () => {
  equal(EXAMPLE.length, 66824); // the example's Content-Length
  const { data, trailers } = await decode(EXAMPLE, {
    signer: EXAMPLE_SIGNER,
    trailer: false,
    decodedLength: 66560,
  });
  deepStrictEqual(data, concat(A64K, A1K));
  deepStrictEqual(trailers, {});
});

Deno.test("AWS example: a trailing checksum, signed after the final chunk", async () => {
  equal(TRAILER_EXAMPLE.length, 66946);
  const { data, trailers } = await decode(TRAILER_EXAMPLE, {
    signer: TRAILER_SIGNER,
    trailer: true,
    decodedLength: 66560,
  });
  equal(data.length, 66560);
  // Checking the CRC32C against the data is the caller's job.
  deepStrictEqual(trailers, { "x-amz-checksum-crc32c": "sOO8/Q==" });
});

Deno.test("reads may split the body anywhere: in a size, a signature, a CRLF or a trailer", async () => {
  const opts = { signer: TRAILER_SIGNER, trailer: true, decodedLength: 66560 };
  for (const size of [1, 2, 3, 7, 64, 1000, 4093, 65537]) {
    const cuts = size === 1
      ? [...everyNth(120, 1), ...everyNth(TRAILER_EXAMPLE.length, 4096)]
      : everyNth(TRAILER_EXAMPLE.length, size);
    const { trailers } = await decode(
      TRAILER_EXAMPLE,
      opts,
      cuts.filter((c, i, a) => a.indexOf(c) === i),
    );
    deepStrictEqual(trailers, { "x-amz-checksum-crc32c": "sOO8/Q==" }, `reads of ${size}`);
  }
  // Every framing byte of the tail, one read per byte.
  const tail = TRAILER_EXAMPLE.length - 300;
  await decode(TRAILER_EXAMPLE, opts, [tail, ...everyNth(300, 1).map((c) => tail + c)]);
});

/** Signs and frames chunks the way a client does, to build bodies for the cases below. */
function encode(chunks: Uint8Array[], trailers: [string, string][], seed = "0".repeat(64)) {
  let previous = seed;
  const sign = (kind: string, hashes: string) =>
    previous = createHmac("sha256", SIGNING_KEY)
      .update([kind, "20130524T000000Z", SCOPE, previous, hashes].join("\n"))
      .digest("hex");
  const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
  const parts = [...chunks, new Uint8Array(0)].flatMap((c) => [
    `${c.length.toString(16)};chunk-signature=${
      sign("AWS4-HMAC-SHA256-PAYLOAD", `${sha256("")}\n${sha256(c)}`)
    }\r\n`,
    c,
    c.length ? "\r\n" : "",
  ]);
  const lines = trailers.map(([name, value]) => `${name}:${value}\n`).join("");
  const signature = sign("AWS4-HMAC-SHA256-TRAILER", sha256(lines));
  return concat(
    ...parts,
    ...trailers.map(([name, value]) => `${name}:${value}\r\n`),
    `x-amz-trailer-signature:${signature}\r\n\r\n`,
  );
}

Deno.test("a small signed body, cut at every offset", async () => {
  const chunks = [text("hello, "), text("world"), text("!")];
  const body = encode(chunks, [["x-amz-checksum-sha256", "abc="], ["x-amz-meta-x", "y"]]);
  const opts = { signer: signer("0".repeat(64)), trailer: true, decodedLength: 13 };
  for (let cut = 0; cut <= body.length; cut++) {
    const { data, trailers } = await decode(body, opts, [cut]);
    equal(new TextDecoder().decode(data), "hello, world!");
    deepStrictEqual(trailers, { "x-amz-checksum-sha256": "abc=", "x-amz-meta-x": "y" });
  }
  await decode(body, opts, everyNth(body.length, 1));
});

Deno.test("a tampered byte fails the signature of its chunk", async () => {
  const tampered = TRAILER_EXAMPLE.slice();
  tampered[tampered.length - 500] ^= 1; // inside the 1 KiB chunk
  await fails(tampered, { signer: TRAILER_SIGNER, trailer: true }, "SignatureDoesNotMatch");
  await fails(EXAMPLE, { signer: TRAILER_SIGNER, trailer: false }, "SignatureDoesNotMatch");
});

Deno.test("signatures chain: the same chunks in another order fail", async () => {
  const [x, y] = [text("x".repeat(8)), text("y".repeat(8))];
  const body = encode([x, y], []);
  // Each chunk is 94 bytes: an 84-byte header line, 8 bytes of data and a CRLF.
  const swapped = concat(body.subarray(94, 188), body.subarray(0, 94), body.subarray(188));
  await decode(body, { signer: signer("0".repeat(64)), trailer: true });
  await fails(swapped, { signer: signer("0".repeat(64)), trailer: true }, "SignatureDoesNotMatch");
});

Deno.test("a tampered, added or unsigned trailer fails the trailer signature", async () => {
  const opts = { signer: TRAILER_SIGNER, trailer: true };
  const edit = (from: string | RegExp, to: string) =>
    text(new TextDecoder().decode(TRAILER_EXAMPLE).replace(from, to));
  await fails(edit("sOO8/Q==", "AAAAAA=="), opts, "SignatureDoesNotMatch");
  await fails(edit("x-amz-checksum-crc32c:sOO8/Q==\r\n", ""), opts, "SignatureDoesNotMatch");
  await fails(
    edit("x-amz-checksum", "x-amz-meta-extra:1\r\nx-amz-checksum"),
    opts,
    "SignatureDoesNotMatch",
  );
  await fails(edit(/x-amz-trailer-signature:.*\r\n/, ""), opts, "SignatureDoesNotMatch");
});

Deno.test("STREAMING-UNSIGNED-PAYLOAD-TRAILER: bare sizes, trailers without signature", async () => {
  const body = text("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
  const { data, trailers } = await decode(body, { trailer: true, decodedLength: 11 });
  equal(new TextDecoder().decode(data), "hello world");
  deepStrictEqual(trailers, { "x-amz-checksum-crc32": "DUoRhQ==" });
  // A body that stops after its last trailer, without the closing blank line, is whole.
  await decode(body.subarray(0, body.length - 2), { trailer: true });
});

Deno.test("the decoded length must match x-amz-decoded-content-length", async () => {
  const body = text("5\r\nhello\r\n0\r\n\r\n");
  await decode(body, { trailer: false, decodedLength: 5 });
  await fails(body, { trailer: false, decodedLength: 6 }, "IncompleteBody");
  await fails(body, { trailer: false, decodedLength: 4 }, "InvalidRequest");
});

Deno.test("a truncated body is incomplete", async () => {
  for (const end of [0, 3, 8, 10, 12]) {
    await fails(
      text("5\r\nhello\r\n0\r\n\r\n").subarray(0, end),
      { trailer: false },
      "IncompleteBody",
    );
  }
  await fails(
    EXAMPLE.subarray(0, 50000),
    { signer: EXAMPLE_SIGNER, trailer: false },
    "IncompleteBody",
  );
});

Deno.test("malformed framing is an invalid request", async () => {
  for (
    const body of [
      "z\r\nhello\r\n0\r\n\r\n", // size not hex
      "5\nhello\r\n0\r\n\r\n", // LF without CR
      "5\r\nhello!\r\n0\r\n\r\n", // data longer than its size
      "0\r\n\r\nmore", // data after the end
      "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", // trailers not announced
      `${"0".repeat(5000)}\r\n\r\n`, // an endless size line
    ]
  ) await fails(text(body), { trailer: false }, "InvalidRequest");
  await fails(text("0\r\nno colon\r\n\r\n"), { trailer: true }, "InvalidRequest");
});

Deno.test("a signed body needs a signature on every chunk", async () => {
  await fails(
    text("5\r\nhello\r\n0\r\n\r\n"),
    { signer: EXAMPLE_SIGNER, trailer: false },
    "SignatureDoesNotMatch",
  );
});
