/**
 * SigV4 verification against the worked examples of the S3 API reference
 * ("Signature Calculations for the Authorization Header", "Authenticating
 * Requests: Using Query Parameters", and the chunked-upload pages), then
 * against requests signed by the AWS SDK for JavaScript itself.
 */
import { deepStrictEqual, equal, rejects } from "node:assert/strict";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Readable } from "node:stream";
import { newChecksum, toBase64 } from "../../util/checksum.ts";
import { S3Error, type S3ErrorCode } from "../error.ts";
import { decodeAwsChunked } from "./chunked.ts";
import { canonicalQuery, canonicalUri, uriEncode } from "./encode.ts";
import { authenticate, type AuthRequest, type SecretLookup } from "./signature.ts";

// The credentials and moment all the AWS examples use.
const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const EXAMPLE_TIME = new Date("2013-05-24T00:00:00Z");
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const lookup: SecretLookup = (id) => Promise.resolve(id === ACCESS_KEY ? SECRET : undefined);

function verify(req: AuthRequest, opts: { region?: string; now?: Date } = {}) {
  return authenticate(req, { region: "us-east-1", lookup, now: EXAMPLE_TIME, ...opts });
}

/** A request as the router hands it over, with Headers the tests can still edit. */
type TestRequest = AuthRequest & { headers: Headers };

function request(method: string, url: string, headers: Record<string, string>): TestRequest {
  return { method, url: new URL(url), headers: new Headers(headers) };
}

function authorization(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20130524/us-east-1/s3/aws4_request,` +
    `SignedHeaders=${signedHeaders},Signature=${signature}`;
}

async function rejectsWith(p: Promise<unknown>, code: S3ErrorCode, message?: RegExp) {
  await rejects(p, (e) => {
    equal((e as S3Error).code, code);
    if (message) equal(message.test((e as S3Error).message), true, (e as S3Error).message);
    return e instanceof S3Error;
  });
}

/** Example "GET Object": the first ten bytes of test.txt. */
function getObjectExample(headers: Record<string, string> = {}): TestRequest {
  return request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {
    host: "examplebucket.s3.amazonaws.com",
    range: "bytes=0-9",
    "x-amz-content-sha256": EMPTY_SHA256,
    "x-amz-date": "20130524T000000Z",
    authorization: authorization(
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ),
    ...headers,
  });
}

Deno.test("AWS example: GET Object with a Range header", async () => {
  deepStrictEqual(await verify(getObjectExample()), {
    accessKeyId: ACCESS_KEY,
    payload: { kind: "sha256", sha256: EMPTY_SHA256 },
    region: "us-east-1",
    signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"],
  });
});

Deno.test("AWS example: PUT Object, whose key test$file.text is encoded in the canonical URI", async () => {
  const auth = await verify(
    request("PUT", "https://examplebucket.s3.amazonaws.com/test$file.text", {
      host: "examplebucket.s3.amazonaws.com",
      date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      authorization: authorization(
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
      ),
    }),
  );
  // The caller still has to check that the body ("Welcome to Amazon S3.") has this hash.
  deepStrictEqual(auth?.payload, {
    kind: "sha256",
    sha256: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
  });
});

Deno.test("AWS examples: a value-less subresource (?lifecycle) and a sorted query", async () => {
  const bucket = (query: string, signature: string) =>
    request("GET", `https://examplebucket.s3.amazonaws.com/${query}`, {
      host: "examplebucket.s3.amazonaws.com",
      "x-amz-content-sha256": EMPTY_SHA256,
      "x-amz-date": "20130524T000000Z",
      authorization: authorization("host;x-amz-content-sha256;x-amz-date", signature),
    });
  await verify(
    bucket("?lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
  );
  await verify(
    bucket(
      "?max-keys=2&prefix=J",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    ),
  );
});

/** Example presigned URL: GET test.txt, valid for a day. */
const PRESIGNED_EXAMPLE = "https://examplebucket.s3.amazonaws.com/test.txt" +
  "?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
  "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
  "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
  "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

function presigned(url = PRESIGNED_EXAMPLE): AuthRequest {
  return request("GET", url, { host: "examplebucket.s3.amazonaws.com" });
}

Deno.test("AWS example: presigned URL, valid for X-Amz-Expires seconds", async () => {
  deepStrictEqual(await verify(presigned()), {
    accessKeyId: ACCESS_KEY,
    payload: { kind: "unsigned" },
    region: "us-east-1",
    signedHeaders: ["host"],
  });
  const lastValid = new Date(EXAMPLE_TIME.getTime() + 86400_000);
  await verify(presigned(), { now: lastValid });
  await rejectsWith(
    verify(presigned(), { now: new Date(lastValid.getTime() + 1000) }),
    "AccessDenied",
    /Request has expired/,
  );
  await rejectsWith(
    verify(presigned(), { now: new Date(EXAMPLE_TIME.getTime() - 16 * 60_000) }),
    "AccessDenied",
    /not valid yet/,
  );
});

Deno.test("presigned URLs: X-Amz-Expires is 1 to 604800 seconds, all parameters required", async () => {
  // Zero or negative lifetimes (boto3 signs ExpiresIn=-1000) make a URL that is already expired.
  for (const expires of ["0", "-1"]) {
    await rejectsWith(
      verify(
        presigned(PRESIGNED_EXAMPLE.replace("X-Amz-Expires=86400", `X-Amz-Expires=${expires}`)),
      ),
      "AccessDenied",
      /expired/,
    );
  }
  for (const expires of ["604801", "soon"]) {
    await rejectsWith(
      verify(
        presigned(PRESIGNED_EXAMPLE.replace("X-Amz-Expires=86400", `X-Amz-Expires=${expires}`)),
      ),
      "AuthorizationQueryParametersError",
    );
  }
  await rejectsWith(
    verify(presigned(PRESIGNED_EXAMPLE.replace("&X-Amz-SignedHeaders=host", ""))),
    "AuthorizationQueryParametersError",
    /requires the X-Amz-Algorithm/,
  );
  await rejectsWith(
    verify(presigned(PRESIGNED_EXAMPLE.replace("test.txt", "test2.txt"))),
    "SignatureDoesNotMatch",
  );
});

/** The chunked-upload examples: 66,560 bytes in chunks of 64 KiB and 1 KiB. */
function chunkedExample(trailer: boolean): AuthRequest {
  return request("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", {
    host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    ...(trailer
      ? {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32c",
        authorization: authorization(
          "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
          "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        ),
      }
      : {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-length": "66824",
        authorization: authorization(
          "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
          "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
      }),
  });
}

Deno.test("AWS examples: chunked uploads yield the seed signature the chunks chain from", async () => {
  for (const trailer of [false, true]) {
    const payload = (await verify(chunkedExample(trailer)))?.payload;
    if (payload?.kind !== "streaming") throw new Error("expected a streaming payload");
    equal(payload.signed, true);
    equal(payload.trailer, trailer);
    equal(payload.decodedLength, 66560);
    equal(payload.signer?.scope, "20130524/us-east-1/s3/aws4_request");
    equal(payload.signer?.amzDate, "20130524T000000Z");
    equal(
      payload.signer?.seedSignature,
      trailer
        ? "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
        : "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    );
  }
});

Deno.test("canonical forms: S3 encodes each path segment once, and sorts the query", () => {
  equal(uriEncode("a b/c~d+é", false), "a%20b/c~d%2B%C3%A9");
  equal(uriEncode("a/b", true), "a%2Fb");
  // The path as received is decoded first, so %20 and a raw space sign alike, and
  // an escaped slash stays one.
  equal(canonicalUri("/bucket/my%20file/a%2Fb/$x"), "/bucket/my%20file/a%2Fb/%24x");
  // Sorted by key, then value; a bare key gets "="; "+" in a query is a space.
  equal(
    canonicalQuery("?prefix=a+b&acl&delimiter=%2F&a=2&a=1", false),
    "a=1&a=2&acl=&delimiter=%2F&prefix=a%20b",
  );
  equal(canonicalQuery("?X-Amz-Signature=abc&X-Amz-Date=1", true), "X-Amz-Date=1");
});

Deno.test("canonical forms: lower-case escapes, escaped unreserved bytes and stray % signs", () => {
  equal(canonicalUri("/b/%7e%41%2f%e2%82%ac"), "/b/~A%2F%E2%82%AC");
  equal(canonicalUri("/b/100%/%zz/%4"), "/b/100%25/%25zz/%254");
  equal(canonicalUri("/b/d\u00e9j\u00e0%20vu"), "/b/d%C3%A9j%C3%A0%20vu");
  equal(canonicalQuery("?k=%41%2b+%2B&%20=", false), "%20=&k=A%2B%20%2B");
});

// The canonical form of a component is the decoded bytes encoded again; the encoder works
// in one pass over the string, so it is checked against that definition on random input.
Deno.test("canonical forms: the one-pass encoder agrees with decode-then-encode", () => {
  const alphabet = [
    "a",
    "Z",
    "0",
    "-",
    "_",
    "~",
    ".",
    "%",
    "2",
    "f",
    "F",
    "b",
    "+",
    " ",
    "/",
    "=",
    "&",
    "*",
    "é",
    "€",
    "%41",
    "%2f",
    "%e2%82%ac",
    "%C3",
    "!",
    "'",
    "(",
    ")",
  ];
  const utf8 = new TextEncoder();
  const reference = (s: string, plusIsSpace: boolean) => {
    const bytes: number[] = [];
    const raw = utf8.encode(s);
    for (let i = 0; i < raw.length; i++) {
      const hex = String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0);
      if (raw[i] === 0x25 && i + 2 < raw.length && /^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(raw[i] === 0x2b && plusIsSpace ? 0x20 : raw[i]);
    }
    return uriEncode(new Uint8Array(bytes), true);
  };
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(Math.random() * 8);
    const s = Array.from(
      { length: len },
      () => alphabet[Math.floor(Math.random() * alphabet.length)],
    )
      .join("").replaceAll("/", "").replaceAll("&", "").replaceAll("=", "");
    equal(canonicalUri(`/${s}`), `/${reference(s, false)}`, `path segment ${JSON.stringify(s)}`);
    equal(
      canonicalQuery(`?q=${s}`, false),
      `q=${reference(s, true)}`,
      `query value ${JSON.stringify(s)}`,
    );
  }
});

Deno.test("a request without Authorization or X-Amz-Signature is anonymous", async () => {
  equal(await verify(request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {})), null);
});

Deno.test("a credential for another region is refused, naming the expected one", async () => {
  await rejects(verify(getObjectExample(), { region: "garage" }), (e: S3Error) => {
    equal(e.code, "AuthorizationHeaderMalformed");
    equal(
      e.message,
      "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'garage'",
    );
    deepStrictEqual(e.extra, { Region: "garage" });
    return true;
  });
});

Deno.test("request time must be within 15 minutes of the server's", async () => {
  const at = (minutes: number) => new Date(EXAMPLE_TIME.getTime() + minutes * 60_000);
  await verify(getObjectExample(), { now: at(15) });
  await verify(getObjectExample(), { now: at(-15) });
  await rejectsWith(verify(getObjectExample(), { now: at(16) }), "RequestTimeTooSkewed");
  await rejectsWith(verify(getObjectExample(), { now: at(-16) }), "RequestTimeTooSkewed");
});

Deno.test("tampering with a signed header breaks the signature", async () => {
  await rejects(verify(getObjectExample({ range: "bytes=0-99" })), (e: S3Error) => {
    equal(e.code, "SignatureDoesNotMatch");
    // Like AWS, the error shows what we signed, to debug clients with.
    equal(e.extra.CanonicalRequest.split("\n")[4], "range:bytes=0-99");
    return true;
  });
});

Deno.test("header values are trimmed and inner whitespace collapsed before signing", async () => {
  await verify(getObjectExample({ range: "  bytes=0-9 " }));
  await rejectsWith(verify(getObjectExample({ range: "bytes= 0-9" })), "SignatureDoesNotMatch");
});

Deno.test("unknown access keys, unsigned x-amz-* headers and other schemes are refused", async () => {
  const other = getObjectExample();
  other.headers.set("authorization", other.headers.get("authorization")!.replace("AKIA", "AKIB"));
  await rejectsWith(verify(other), "InvalidAccessKeyId");
  await rejectsWith(
    verify(getObjectExample({ "x-amz-copy-source": "other/key" })),
    "AccessDenied",
    /not signed/,
  );
  await rejectsWith(
    verify(
      getObjectExample({ authorization: "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=" }),
    ),
    "InvalidRequest",
    /Signature Version 2/,
  );
  await rejectsWith(
    verify(getObjectExample({ authorization: "AWS4-HMAC-SHA256 Credential=x" })),
    "AuthorizationHeaderMalformed",
  );
  await rejectsWith(
    verify({ ...presigned(), headers: getObjectExample().headers }),
    "InvalidArgument",
    /Only one auth mechanism/,
  );
});

Deno.test("x-amz-content-sha256 is required with the header, and must name a known mode", async () => {
  const req = getObjectExample();
  req.headers.delete("x-amz-content-sha256");
  await rejectsWith(verify(req), "InvalidRequest", /x-amz-content-sha256/);
  await rejectsWith(
    verify(getObjectExample({ "x-amz-content-sha256": "STREAMING-MAYBE" })),
    "InvalidArgument",
  );
});

// ---- Requests signed by the AWS SDK (@smithy/signature-v4 underneath) ----

const REGION = "garage";

/** An S3 client whose transport hands the signed request to `seen` instead of sending it. */
function capturingClient(seen: (req: AuthRequest, body: Uint8Array) => void): S3Client {
  return new S3Client({
    region: REGION,
    endpoint: "http://localhost:3900",
    forcePathStyle: true,
    maxAttempts: 1,
    // Quiet: the retry layer warns about the refused streaming upload otherwise.
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    requestHandler: {
      async handle(req: {
        method: string;
        path: string;
        query?: Record<string, string | string[] | null>;
        headers: Record<string, string>;
        body?: AsyncIterable<Uint8Array | string> | Uint8Array | string;
      }) {
        const query = Object.entries(req.query ?? {}).flatMap(([k, v]) =>
          v === null ? [escape(k)] : [v].flat().map((x) => `${escape(k)}=${escape(x)}`)
        ).join("&");
        const url = new URL(`http://localhost:3900${req.path}${query ? "?" + query : ""}`);
        const headers = new Headers({ ...req.headers, host: url.host });
        seen(
          { method: req.method, url, headers },
          await bytesOf(req.body),
        );
        throw new Error("captured");
      },
    } as never,
  });
}

/** The request body, as a Node stream, bytes or a string, gathered into one array. */
async function bytesOf(
  body: AsyncIterable<Uint8Array | string> | Uint8Array | string = "",
): Promise<Uint8Array> {
  const parts = typeof body === "string" || body instanceof Uint8Array
    ? [body]
    : await Array.fromAsync(body);
  const bytes = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const out = new Uint8Array(bytes.reduce((n, p) => n + p.length, 0));
  bytes.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The SDK's own query escaping: encodeURIComponent plus !'()*. */
function escape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

async function signedBySdk(
  send: (client: S3Client) => Promise<unknown>,
): Promise<AuthRequest & { body: Uint8Array }> {
  let captured: (AuthRequest & { body: Uint8Array }) | undefined;
  await send(capturingClient((req, body) => captured = { ...req, body })).catch(() => {});
  if (!captured) throw new Error("the SDK sent nothing");
  return captured;
}

const sdkVerify = (req: AuthRequest) => authenticate(req, { region: REGION, lookup });

const AWKWARD_KEYS = [
  "plain.txt",
  "with space/and+plus/and~tilde",
  "unicode/été/日本語/😀",
  "reserved/!$&'()*,;=:@[]",
  "percent%20literal/%2F",
  "dir//double/slash/",
];

Deno.test("the SDK's header-signed requests verify, whatever the key", async () => {
  for (const key of AWKWARD_KEYS) {
    const req = await signedBySdk((c) =>
      c.send(new GetObjectCommand({ Bucket: "bucket", Key: key, Range: "bytes=0-1" }))
    );
    equal((await sdkVerify(req))?.accessKeyId, ACCESS_KEY, key);
  }
  const list = await signedBySdk((c) =>
    c.send(
      new ListObjectsV2Command({
        Bucket: "bucket",
        Prefix: "a b+c/日本",
        Delimiter: "/",
        MaxKeys: 5,
      }),
    )
  );
  equal((await sdkVerify(list))?.payload.kind, "sha256");
});

Deno.test("the SDK's presigned URLs verify, whatever the key", async () => {
  const client = capturingClient(() => {});
  for (const key of AWKWARD_KEYS) {
    const url = new URL(
      await getSignedUrl(client, new GetObjectCommand({ Bucket: "bucket", Key: key }), {
        expiresIn: 60,
      }),
    );
    const auth = await sdkVerify({ method: "GET", url, headers: new Headers({ host: url.host }) });
    deepStrictEqual(auth?.payload, { kind: "unsigned" }, key);
  }
});

Deno.test("the SDK's streaming upload: an unsigned aws-chunked body with a CRC32 trailer", async () => {
  const content = new TextEncoder().encode("hello world");
  const req = await signedBySdk((c) =>
    c.send(
      new PutObjectCommand({
        Bucket: "bucket",
        Key: "k",
        Body: Readable.from([content]),
        ContentLength: content.length,
      }),
    )
  );
  const payload = (await sdkVerify(req))?.payload;
  deepStrictEqual(payload, { kind: "streaming", signed: false, trailer: true, decodedLength: 11 });

  const { stream, trailers } = decodeAwsChunked(payload);
  const decoded = await new Response(ReadableStream.from([req.body]).pipeThrough(stream)).bytes();
  deepStrictEqual(decoded, content);
  const crc = newChecksum("CRC32");
  crc.update(content);
  deepStrictEqual(await trailers, { "x-amz-checksum-crc32": toBase64(crc.digest()) });
});
