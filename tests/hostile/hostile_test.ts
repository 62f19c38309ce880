/**
 * Hostile HTTP clients against one real node: truncated and oversized bodies, request-smuggling
 * framings, header floods, slow clients, replayed and wrong signatures, and every sub-resource
 * with a garbage body. Whatever a client sends, the node answers without a 5xx (a close is
 * acceptable only for framing-level attacks and connection limits), with the exact S3 error
 * where one is named, and after every case it is healthy, serves a fresh signed request, and
 * keeps the recorded objects and bucket configurations byte for byte.
 *
 * A 501 NotImplemented is the refusal of a feature Remise lacks, not a server error.
 * HOSTILE_VERBOSE=1 prints every hostile request's outcome.
 */
import { presign, sha256Hex } from "../sigv4.ts";
import {
  BIG,
  BUCKET,
  CONFIG_DOCS,
  exactly,
  Fixture,
  HEADER_TIMEOUT_S,
  IDLE_TIMEOUT_S,
  is4xx,
  isServerError,
  judge,
  MAX_CONNECTIONS,
  NESTED,
  objectPath,
  randomBytes,
  type Rule,
  SMALL,
  tolerated501,
  VERBOSE,
} from "./fixture.ts";
import {
  bytes,
  describe,
  encoder,
  exchange,
  type RawAnswer,
  request,
  requestBytes,
  statusText,
} from "./raw.ts";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INCOMPLETE: Rule = { ...exactly(400, "IncompleteBody"), closeOk: true };
const xml = (s: string) => encoder.encode(s);

Deno.test({
  name: "hostile clients get no 5xx, and the node keeps serving and keeps its data",
  // Hostile connections end in many ways (resets, half-closes); the fixture closes its own.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const fx = await Fixture.start();
    try {
      await t.step("1. truncated bodies", (t) => truncatedBodies(t, fx));
      await t.step("2. oversized bodies", (t) => oversizedBodies(t, fx));
      await t.step("3. request smuggling framings", (t) => smuggling(t, fx));
      await t.step("4. header floods", (t) => headerFloods(t, fx));
      await t.step("5. slow clients and connection limits", (t) => slowClients(t, fx));
      await t.step("6. wrong and replayed signatures", (t) => signatures(t, fx));
      await t.step("7. every sub-resource with a garbage body", (t) => subresources(t, fx));
    } finally {
      await fx.stop();
    }
  },
});

// ---------------------------------------------------------------------------------------------
// 1. Truncated bodies

async function truncatedBodies(t: Deno.TestContext, fx: Fixture): Promise<void> {
  const hashes: Record<string, string> = {
    "UNSIGNED-PAYLOAD": "UNSIGNED-PAYLOAD",
    "a signed payload hash": sha256Hex(randomBytes(1000)),
  };
  await fx.case(
    t,
    "a PUT announcing 1000 bytes that sends 10 and half-closes: 400 IncompleteBody or a close, nothing stored",
    async (p) => {
      let i = 0;
      for (const [label, payloadHash] of Object.entries(hashes)) {
        const key = `truncated-half-${++i}`;
        const head = fx.signedBytes("PUT", objectPath(key), undefined, {
          payloadHash,
          headers: { "content-length": "1000" },
        });
        const ex = await exchange(fx.s3Origin, [head, randomBytes(10)], {
          halfClose: true,
          timeoutMs: 10_000,
        });
        judge(p, `PUT ${key} (${label})`, ex, INCOMPLETE);
        if (await fx.exists(key)) p.push(`${key} was stored from 10 of its 1000 bytes`);
      }
    },
  );

  await fx.case(
    t,
    "a PUT announcing 1000 bytes that sends 10 and closes: nothing stored",
    async (p) => {
      let i = 0;
      for (const [label, payloadHash] of Object.entries(hashes)) {
        const key = `truncated-closed-${++i}`;
        const head = fx.signedBytes("PUT", objectPath(key), undefined, {
          payloadHash,
          headers: { "content-length": "1000" },
        });
        await exchange(fx.s3Origin, [head, randomBytes(10)], { abortAfterWrite: true });
        await sleep(500);
        if (await fx.exists(key)) p.push(`${key} (${label}) was stored from 10 of its 1000 bytes`);
      }
    },
  );

  const deleteDoc =
    `<Delete><Object><Key>${SMALL}</Key></Object><Object><Key>${BIG}</Key></Object>` +
    `<Object><Key>${NESTED}</Key></Object></Delete><!-- ${"x".repeat(500)} -->`;
  const corsDoc = "<CORSConfiguration><CORSRule><AllowedOrigin>https://truncated.example" +
    "</AllowedOrigin><AllowedMethod>DELETE</AllowedMethod></CORSRule></CORSConfiguration>" +
    `<!-- ${"x".repeat(500)} -->`;
  const documents = [
    { name: "DeleteObjects", method: "POST", path: `/${BUCKET}?delete`, doc: deleteDoc },
    { name: "PutBucketCors", method: "PUT", path: `/${BUCKET}?cors`, doc: corsDoc },
  ];
  for (const d of documents) {
    const cuts: Record<string, number> = {
      "in the middle of an element": d.doc.indexOf("</") + 1,
      "right after its root element (a well-formed prefix)": d.doc.indexOf("<!--"),
    };
    for (const [where, cut] of Object.entries(cuts)) {
      await fx.case(
        t,
        `a signed ${d.name} cut short ${where}: 400 IncompleteBody or a close, nothing changed`,
        async (p) => {
          const body = xml(d.doc);
          const head = fx.signedBytes(d.method, d.path, undefined, {
            payloadHash: sha256Hex(body),
            headers: { "content-length": String(body.length), "content-type": "application/xml" },
          });
          const ex = await exchange(fx.s3Origin, [head, body.subarray(0, cut)], {
            halfClose: true,
            timeoutMs: 10_000,
          });
          judge(p, `${d.name} with ${cut} of ${body.length} bytes`, ex, INCOMPLETE);
        },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Oversized bodies

const TEN_MIB = 10 * MiB;
/** A document that is valid but for its size: 10 MiB of comment inside its root element. */
const padded = (open: string, rest: string) => xml(`${open}<!--${"a".repeat(TEN_MIB)}-->${rest}`);

async function oversizedBodies(t: Deno.TestContext, fx: Fixture): Promise<void> {
  const documents = [
    {
      name: "PutBucketCors",
      method: "PUT",
      path: `/${BUCKET}?cors`,
      body: () =>
        padded(
          "<CORSConfiguration>",
          "<CORSRule><AllowedOrigin>https://oversized.example</AllowedOrigin>" +
            "<AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>",
        ),
    },
    {
      name: "PutBucketLifecycleConfiguration",
      method: "PUT",
      path: `/${BUCKET}?lifecycle`,
      body: () =>
        padded(
          "<LifecycleConfiguration>",
          "<Rule><ID>oversized</ID><Filter><Prefix>oversized/</Prefix></Filter>" +
            "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>" +
            "</LifecycleConfiguration>",
        ),
    },
    {
      name: "PutBucketWebsite",
      method: "PUT",
      path: `/${BUCKET}?website`,
      body: () =>
        padded(
          "<WebsiteConfiguration>",
          "<IndexDocument><Suffix>oversized.html</Suffix></IndexDocument></WebsiteConfiguration>",
        ),
    },
    {
      name: "DeleteObjects",
      method: "POST",
      path: `/${BUCKET}?delete`,
      body: () => padded("<Delete>", `<Object><Key>${SMALL}</Key></Object></Delete>`),
    },
  ];
  for (const d of documents) {
    await fx.case(t, `a 10 MiB ${d.name}: a 4xx, nothing changed`, async (p) => {
      const body = d.body();
      const ex = await exchange(
        fx.s3Origin,
        fx.signedBytes(d.method, d.path, body, { headers: { "content-type": "application/xml" } }),
        { timeoutMs: 30_000 },
      );
      judge(p, `${d.name} of ${body.length} bytes`, ex, {
        want: "a 4xx (e.g. 400 MaxMessageLengthExceeded)",
      });
    });
  }

  await fx.case(
    t,
    "a 10 MiB CompleteMultipartUpload: a 4xx, no object",
    async (p) => {
      const key = "oversized-mpu";
      const path = objectPath(key);
      const created = await fx.s3("POST", `${path}?uploads`);
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text())?.[1];
      if (!uploadId) throw new Error(`CreateMultipartUpload: ${statusText(created)}`);
      const q = `uploadId=${encodeURIComponent(uploadId)}`;
      try {
        const part = await fx.s3("PUT", `${path}?partNumber=1&${q}`, xml("one part"));
        const etag = part.headers.get("etag");
        if (part.status !== 200 || !etag) throw new Error(`UploadPart: ${statusText(part)}`);
        const body = padded(
          "<CompleteMultipartUpload>",
          `<Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
        );
        const ex = await exchange(fx.s3Origin, fx.signedBytes("POST", `${path}?${q}`, body), {
          timeoutMs: 30_000,
        });
        judge(p, `CompleteMultipartUpload of ${body.length} bytes`, ex, {
          want: "a 4xx (e.g. 400 MaxMessageLengthExceeded)",
        });
        if (await fx.exists(key)) p.push(`${key} was completed from a 10 MiB document`);
      } finally {
        await fx.s3("DELETE", `${path}?${q}`);
      }
    },
  );

  await fx.case(
    t,
    "a 10 MB JSON body to the admin API's CreateBucket: 400 or 413, no bucket",
    async (p) => {
      const alias = "hostile-admin-big";
      // Valid JSON but for its size: the padding is white space.
      const body = encoder.encode(`{"globalAlias":"${alias}"${" ".repeat(10_000_000)}}`);
      const admin = fx.node.admin;
      const auth = { authorization: `Bearer ${fx.node.adminToken}` };
      const ex = await exchange(
        admin,
        requestBytes("POST", "/v2/CreateBucket", new URL(admin).host, {
          ...auth,
          "content-type": "application/json",
        }, body),
        { timeoutMs: 30_000 },
      );
      judge(p, `POST /v2/CreateBucket of ${body.length} bytes`, ex, {
        ok: (a) => a.status === 400 || a.status === 413,
        want: "400 or 413",
      });
      const info = await request(
        admin,
        "GET",
        `/v2/GetBucketInfo?globalAlias=${alias}`,
        auth,
      );
      if (info.status === 200) {
        p.push(`bucket ${alias} was created from the 10 MB body`);
        const id = (JSON.parse(info.text()) as { id: string }).id;
        await request(admin, "POST", `/v2/DeleteBucket?id=${id}`, auth);
      }
    },
  );

  await fx.case(t, "a 10 MB object key in the URL: a 4xx, no object", async (p) => {
    const key = "k".repeat(10_000_000);
    const ex = await exchange(fx.s3Origin, fx.signedBytes("PUT", objectPath(key), xml("x")), {
      timeoutMs: 30_000,
    });
    judge(p, "PUT of a 10 MB key", ex, { want: "a 4xx (KeyTooLongError, 414, 431 or 400)" });
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Request smuggling

const CHUNKED_HELLO = "5\r\nhello\r\n0\r\n\r\n";

interface Smuggle {
  name: string;
  /** The outer request's framing header lines and body, around the hidden request. */
  build(hidden: Uint8Array): { framing: string[]; body: Uint8Array };
  /** RFC 9112 lets a server process it by its Transfer-Encoding (then close). */
  processable?: boolean;
}

const SMUGGLES: Smuggle[] = [
  {
    name: "Content-Length and Transfer-Encoding: chunked, the length covering a hidden request",
    processable: true,
    build: (hidden) => {
      const body = bytes(CHUNKED_HELLO, hidden);
      return { framing: [`content-length: ${body.length}`, "transfer-encoding: chunked"], body };
    },
  },
  {
    name: "Transfer-Encoding: chunked then a Content-Length ending before a hidden request",
    processable: true,
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked", `content-length: ${CHUNKED_HELLO.length}`],
      body: bytes(CHUNKED_HELLO, hidden),
    }),
  },
  {
    name: "two different Content-Length headers",
    build: (hidden) => {
      const body = bytes("hello", hidden);
      return { framing: ["content-length: 5", `content-length: ${body.length}`], body };
    },
  },
  {
    name: "Transfer-Encoding: xchunked with a Content-Length",
    build: (hidden) => ({
      framing: ["transfer-encoding: xchunked", `content-length: ${CHUNKED_HELLO.length}`],
      body: bytes(CHUNKED_HELLO, hidden),
    }),
  },
  {
    name: "Transfer-Encoding: chunked, identity with a Content-Length",
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked, identity", `content-length: ${CHUNKED_HELLO.length}`],
      body: bytes(CHUNKED_HELLO, hidden),
    }),
  },
  {
    name: "Transfer-Encoding: chunked, identity alone",
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked, identity"],
      body: bytes(CHUNKED_HELLO, hidden),
    }),
  },
  {
    name: "'Transfer-Encoding : chunked' (white space before the colon) with a Content-Length",
    build: (hidden) => ({
      framing: ["transfer-encoding : chunked", `content-length: ${CHUNKED_HELLO.length}`],
      body: bytes(CHUNKED_HELLO, hidden),
    }),
  },
  {
    name: "a chunk size followed by junk",
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked"],
      body: bytes("5zz\r\nhello\r\n0\r\n\r\n", hidden),
    }),
  },
  {
    name: "a chunk size past 64 bits",
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked"],
      body: bytes("10000000000000005\r\nhello\r\n0\r\n\r\n", hidden),
    }),
  },
  {
    name: "a negative chunk size",
    build: (hidden) => ({
      framing: ["transfer-encoding: chunked"],
      body: bytes("-5\r\nhello\r\n0\r\n\r\n", hidden),
    }),
  },
];

async function smuggling(t: Deno.TestContext, fx: Fixture): Promise<void> {
  let i = 0;
  for (const s of SMUGGLES) {
    const n = ++i;
    await fx.case(
      t,
      `${s.name}: ${s.processable ? "no 5xx" : "a 4xx or a close"}, the hidden request not served`,
      async (p) => {
        const outer = `smuggle-outer-${n}`;
        const inner = `smuggle-inner-${n}`;
        // The hidden request is signed: served on its own, it would store an object.
        const hidden = fx.signedBytes("PUT", objectPath(inner), xml("smuggled"), {
          keepAlive: true,
        });
        const { framing, body } = s.build(hidden);
        const signed = fx.sign("PUT", objectPath(outer), undefined, {
          payloadHash: "UNSIGNED-PAYLOAD",
        });
        const head = [
          `PUT ${fx.target(objectPath(outer))} HTTP/1.1`,
          `host: ${fx.host}`,
          ...Object.entries(signed).map(([k, v]) => `${k}: ${v}`),
          ...framing,
        ].join("\r\n") + "\r\n\r\n";
        const ex = await exchange(fx.s3Origin, bytes(head, body), {
          settleMs: 1000,
          timeoutMs: 5000,
        });
        judge(
          p,
          s.name,
          ex,
          s.processable
            ? { ok: (a) => a.status < 500, want: "an answer", closeOk: true }
            : { want: "a 4xx or a close", closeOk: true },
        );
        if (await fx.exists(inner)) p.push(`the hidden request was executed: ${inner} exists`);
        if (s.processable) fx.optional.add(outer);
      },
    );
  }

  await fx.case(
    t,
    "a request hidden in a PUT body is stored as data: one 200, the object holds exactly the body",
    async (p) => {
      const carrier = "smuggle-carrier";
      const inner = "smuggle-carried";
      fx.optional.add(carrier);
      const body = bytes(
        "data\r\n\r\n",
        fx.signedBytes("PUT", objectPath(inner), xml("smuggled"), { keepAlive: true }),
      );
      const ex = await exchange(
        fx.s3Origin,
        fx.signedBytes("PUT", objectPath(carrier), body, { keepAlive: true }),
        { settleMs: 1000 },
      );
      judge(p, "PUT whose body holds a request", ex, {
        ok: (a) => a.status === 200,
        want: "200",
      });
      const g = await fx.s3("GET", objectPath(carrier));
      if (g.status !== 200 || sha256Hex(g.body) !== sha256Hex(body)) {
        p.push(`${carrier} does not hold the body sent: ${statusText(g)}, ${g.body.length} bytes`);
      }
      if (await fx.exists(inner)) p.push(`the hidden request was executed: ${inner} exists`);
    },
  );

  await fx.case(
    t,
    "a request hidden in a GET body is skipped as body: one 200",
    async (p) => {
      const inner = "smuggle-in-get";
      const body = fx.signedBytes("PUT", objectPath(inner), xml("smuggled"), { keepAlive: true });
      const ex = await exchange(
        fx.s3Origin,
        fx.signedBytes("GET", `/${BUCKET}?list-type=2`, body, { keepAlive: true }),
        { settleMs: 1000 },
      );
      judge(p, "GET whose body holds a request", ex, { ok: (a) => a.status === 200, want: "200" });
      if (await fx.exists(inner)) p.push(`the hidden request was executed: ${inner} exists`);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Header floods

async function headerFloods(t: Deno.TestContext, fx: Fixture): Promise<void> {
  const floods: Record<string, string[]> = {
    "10,000 headers": Array.from({ length: 10_000 }, (_, i) => `x-flood-${i}: ${i}`),
    "one 1 MiB header": [`x-big: ${"a".repeat(MiB)}`],
  };
  for (const [name, lines] of Object.entries(floods)) {
    await fx.case(t, `${name}: a 4xx (431/400) or a close, no 5xx`, async (p) => {
      const s3 = fx.sign("GET", `/${BUCKET}?list-type=2`);
      const targets = [
        { where: "S3", origin: fx.s3Origin, target: fx.target(`/${BUCKET}?list-type=2`), h: s3 },
        { where: "admin /health", origin: fx.node.admin, target: "/health", h: {} },
      ];
      for (const x of targets) {
        const head = [
          `GET ${x.target} HTTP/1.1`,
          `host: ${new URL(x.origin).host}`,
          ...Object.entries(x.h).map(([k, v]) => `${k}: ${v}`),
          ...lines,
          "connection: close",
        ].join("\r\n") + "\r\n\r\n";
        const ex = await exchange(x.origin, encoder.encode(head), { timeoutMs: 15_000 });
        judge(p, `${name} to ${x.where}`, ex, {
          want: "a 4xx (431/400) or a close",
          closeOk: true,
        });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Slow clients

/** Whether the server closes `conn` before `deadline` (what it sends first is read and dropped). */
async function closedBy(conn: Deno.Conn, deadline: number): Promise<boolean> {
  const buf = new Uint8Array(4096);
  const read = (async () => {
    try {
      while ((await conn.read(buf)) !== null) { /* an answer before the close */ }
    } catch {
      // reset: closed too
    }
    return true;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) =>
    timer = setTimeout(() => r(false), deadline - Date.now())
  );
  const closed = await Promise.race([read, timeout]);
  clearTimeout(timer);
  return closed;
}

async function slowClients(t: Deno.TestContext, fx: Fixture): Promise<void> {
  const note = fx.httpConfig.accepted
    ? ""
    : ` [the node refused the [http] section: ${fx.httpConfig.refusal}]`;
  const headerLimit = (HEADER_TIMEOUT_S + 2) * 1000;
  const idleLimit = (IDLE_TIMEOUT_S + 2) * 1000;

  await fx.case(
    t,
    `a client that stops in the middle of its headers is closed within ${headerLimit / 1000} s`,
    async (p) => {
      const ex = await exchange(fx.s3Origin, encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"), {
        timeoutMs: headerLimit,
      });
      if (!ex.closed) {
        p.push(`the connection was not closed within ${headerLimit} ms: ${describe(ex)}${note}`);
      }
      if (ex.answers.some((a) => isServerError(a))) p.push(`a server error: ${describe(ex)}`);
    },
  );

  await fx.case(
    t,
    `a client trickling its headers a byte every 500 ms is closed within ${headerLimit / 1000} s`,
    async (p) => {
      const u = new URL(fx.s3Origin);
      const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
      const started = Date.now();
      const text = encoder.encode(`GET / HTTP/1.1\r\nHost: x\r\n${"x-slow: 1\r\n".repeat(50)}`);
      let stop = false;
      const writer = (async () => {
        for (let i = 0; i < text.length && !stop; i++) {
          try {
            await conn.write(text.subarray(i, i + 1));
          } catch {
            return;
          }
          await sleep(500);
        }
      })();
      const closed = await closedBy(conn, started + headerLimit);
      stop = true;
      try {
        conn.close();
      } catch {
        // closed by the server
      }
      await writer;
      if (!closed) p.push(`the connection was not closed within ${headerLimit} ms${note}`);
    },
  );

  await fx.case(
    t,
    `an idle keep-alive connection is closed within ${idleLimit / 1000} s`,
    async (p) => {
      const ex = await exchange(
        fx.s3Origin,
        fx.signedBytes("GET", `/${BUCKET}?list-type=2`, undefined, { keepAlive: true }),
        { settleMs: idleLimit, timeoutMs: idleLimit + 1000 },
      );
      if (ex.answers[0]?.status !== 200) p.push(`the request before idling: ${describe(ex)}`);
      if (!ex.closed) p.push(`the idle connection was not closed within ${idleLimit} ms${note}`);
    },
  );

  await fx.case(
    t,
    `past ${MAX_CONNECTIONS} idle connections, more are refused or closed while /health answers`,
    async (p) => {
      const u = new URL(fx.s3Origin);
      const idle: Deno.Conn[] = [];
      const opened = Date.now();
      try {
        for (let i = 0; i < MAX_CONNECTIONS; i++) {
          try {
            idle.push(await Deno.connect({ hostname: u.hostname, port: Number(u.port) }));
          } catch {
            break;
          }
        }
        const extras = await Promise.all(
          Array.from(
            { length: 6 },
            () =>
              exchange(fx.s3Origin, fx.signedBytes("GET", objectPath(SMALL)), { timeoutMs: 1500 }),
          ),
        );
        extras.forEach((ex, i) => {
          // Refused, or closed at once (an answer saying why is fine, if not a 5xx).
          const refused = ex.connectError !== undefined ||
            (ex.closed && ex.answers.every((a) => is4xx(a)));
          if (!refused) {
            p.push(
              `connection ${idle.length + i + 1}: wanted refused or closed, got ${
                describe(ex)
              }${note}`,
            );
          }
        });
        const health = await request(fx.node.admin, "GET", "/health", {}, undefined, {
          timeoutMs: 3000,
        }).catch((e) => e as Error);
        if (health instanceof Error || health.status !== 200) {
          p.push(
            `/health while the S3 port is full: ${
              health instanceof Error ? health.message : statusText(health)
            }`,
          );
        }
        // The idle connections sent nothing: the header timeout closes them.
        const closed = await Promise.all(idle.map((c) => closedBy(c, opened + headerLimit)));
        const open = closed.filter((c) => !c).length;
        if (open) {
          p.push(
            `${open} of ${idle.length} idle connections were still open ${headerLimit} ms after they were opened${note}`,
          );
        }
      } finally {
        for (const c of idle) {
          try {
            c.close();
          } catch {
            // closed by the server
          }
        }
      }
      await sleep(300);
      const after = await fx.s3("GET", objectPath(SMALL));
      if (after.status !== 200) {
        p.push(`a request after the idle connections closed: ${statusText(after)}`);
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------
// 6. Wrong and replayed signatures

/** Sends a request with headers signed for another one (a replay). */
async function replay(
  fx: Fixture,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<RawAnswer> {
  return await request(fx.s3Origin, method, fx.target(path), headers, body);
}

function expectAnswer(p: string[], what: string, a: RawAnswer, status: number, code?: string) {
  if (VERBOSE) console.log(`    ${what} → ${statusText(a)}`);
  if (a.status !== status || (code !== undefined && a.code !== code)) {
    p.push(`${what}: wanted ${status}${code ? " " + code : ""}, got ${statusText(a)}`);
  }
}

async function signatures(t: Deno.TestContext, fx: Fixture): Promise<void> {
  await fx.case(
    t,
    "a signed PUT replayed with another body: 400 XAmzContentSHA256Mismatch, object unchanged",
    async (p) => {
      const path = objectPath(SMALL);
      const original = fx.recorded.get(SMALL)!;
      const headers = fx.sign("PUT", path, original);
      expectAnswer(p, "the original PUT", await replay(fx, "PUT", path, headers, original), 200);
      const tampered = xml("tampered content, same signature");
      const r = await replay(fx, "PUT", path, headers, tampered);
      expectAnswer(p, "the replay", r, 400, "XAmzContentSHA256Mismatch");
    },
  );

  await fx.case(
    t,
    "a signed DeleteObjects replayed listing other keys: 400 XAmzContentSHA256Mismatch, nothing deleted",
    async (p) => {
      const victim = "replay-victim";
      fx.optional.add(victim);
      expectAnswer(p, "PUT the victim", await fx.s3("PUT", objectPath(victim), xml("v")), 200);
      const path = `/${BUCKET}?delete`;
      const original = xml(`<Delete><Object><Key>${victim}</Key></Object></Delete>`);
      const headers = fx.sign("POST", path, original);
      expectAnswer(
        p,
        "the original DeleteObjects",
        await replay(fx, "POST", path, headers, original),
        200,
      );
      const other = xml(
        `<Delete><Object><Key>${SMALL}</Key></Object><Object><Key>${BIG}</Key></Object>` +
          `<Object><Key>${NESTED}</Key></Object></Delete>`,
      );
      const r = await replay(fx, "POST", path, headers, other);
      expectAnswer(p, "the replay", r, 400, "XAmzContentSHA256Mismatch");
    },
  );

  await fx.case(
    t,
    "a signed PutBucketCors replayed with another body: 400 XAmzContentSHA256Mismatch, CORS unchanged",
    async (p) => {
      const path = `/${BUCKET}?cors`;
      const original = xml(CONFIG_DOCS.cors);
      const headers = fx.sign("PUT", path, original);
      expectAnswer(
        p,
        "the original PutBucketCors",
        await replay(fx, "PUT", path, headers, original),
        200,
      );
      const other = xml(
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>DELETE" +
          "</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>",
      );
      const r = await replay(fx, "PUT", path, headers, other);
      expectAnswer(p, "the replay", r, 400, "XAmzContentSHA256Mismatch");
    },
  );

  await fx.case(
    t,
    "a signed PutBucketLifecycleConfiguration / PutBucketWebsite replayed with another body: 400 XAmzContentSHA256Mismatch",
    async (p) => {
      const others: Record<string, string> = {
        lifecycle: "<LifecycleConfiguration><Rule><ID>replayed</ID><Filter><Prefix></Prefix>" +
          "</Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>" +
          "</LifecycleConfiguration>",
        website: "<WebsiteConfiguration><IndexDocument><Suffix>replayed.html</Suffix>" +
          "</IndexDocument></WebsiteConfiguration>",
      };
      for (const [sub, other] of Object.entries(others)) {
        const path = `/${BUCKET}?${sub}`;
        const original = xml(CONFIG_DOCS[sub]);
        const headers = fx.sign("PUT", path, original);
        expectAnswer(
          p,
          `the original PUT ?${sub}`,
          await replay(fx, "PUT", path, headers, original),
          200,
        );
        const r = await replay(fx, "PUT", path, headers, xml(other));
        expectAnswer(p, `the replayed PUT ?${sub}`, r, 400, "XAmzContentSHA256Mismatch");
      }
    },
  );

  await fx.case(t, "a wrong secret: 403 SignatureDoesNotMatch, nothing stored", async (p) => {
    const creds = { accessKeyId: fx.creds.accessKeyId, secretAccessKey: "0".repeat(64) };
    expectAnswer(
      p,
      "ListObjectsV2",
      await fx.s3("GET", `/${BUCKET}?list-type=2`, undefined, { creds }),
      403,
      "SignatureDoesNotMatch",
    );
    expectAnswer(
      p,
      "PutObject",
      await fx.s3("PUT", objectPath("wrong-secret"), xml("w"), { creds }),
      403,
      "SignatureDoesNotMatch",
    );
    expectAnswer(
      p,
      "PutObject over a recorded object",
      await fx.s3("PUT", objectPath(SMALL), xml("w"), { creds }),
      403,
      "SignatureDoesNotMatch",
    );
  });

  await fx.case(t, "a date 20 minutes off: 403 RequestTimeTooSkewed", async (p) => {
    for (const [label, offset] of [["20 minutes ago", -20], ["20 minutes ahead", 20]] as const) {
      const now = new Date(Date.now() + offset * 60_000);
      expectAnswer(
        p,
        `ListObjectsV2 signed ${label}`,
        await fx.s3("GET", `/${BUCKET}?list-type=2`, undefined, { now }),
        403,
        "RequestTimeTooSkewed",
      );
      expectAnswer(
        p,
        `PutObject signed ${label}`,
        await fx.s3("PUT", objectPath(`skewed-${offset}`), xml("s"), { now }),
        403,
        "RequestTimeTooSkewed",
      );
    }
  });

  await fx.case(t, "a presigned URL with an altered path: 403", async (p) => {
    const cases = [
      { method: "GET", signed: objectPath(SMALL), altered: objectPath(BIG) },
      { method: "GET", signed: objectPath(SMALL), altered: objectPath(SMALL + "x") },
      { method: "PUT", signed: objectPath("presigned-ok"), altered: objectPath("presigned-evil") },
      { method: "PUT", signed: objectPath("presigned-ok"), altered: objectPath(SMALL) },
    ];
    for (const c of cases) {
      const url = new URL(presign(c.method, fx.s3Origin + c.signed, fx.creds, fx.node.region));
      const target = fx.target(c.altered) + url.search;
      const body = c.method === "PUT" ? xml("presigned write") : undefined;
      const r = await request(fx.s3Origin, c.method, target, {}, body);
      expectAnswer(p, `${c.method} presigned for ${c.signed}, sent to ${c.altered}`, r, 403);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 7. Every sub-resource with garbage

const SUBRESOURCES = [
  "acl",
  "cors",
  "lifecycle",
  "website",
  "versioning",
  "tagging",
  "policy",
  "object-lock",
  "retention",
  "legal-hold",
  "uploads",
  "delete",
  "versions",
  "location",
  "attributes",
  "uploadId=garbage",
  "partNumber=-1",
  "versionId=garbage",
];
const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"];

const ROOTS: Record<string, string> = {
  acl: "AccessControlPolicy",
  cors: "CORSConfiguration",
  lifecycle: "LifecycleConfiguration",
  website: "WebsiteConfiguration",
  versioning: "VersioningConfiguration",
  tagging: "Tagging",
  "object-lock": "ObjectLockConfiguration",
  retention: "Retention",
  "legal-hold": "LegalHold",
  delete: "Delete",
  uploadId: "CompleteMultipartUpload",
};

function garbageBodies(sub: string): [string, Uint8Array][] {
  const root = ROOTS[sub.split("=")[0]] ?? "CreateBucketConfiguration";
  const deep = (n: number) => xml(`<${root}>${"<a>".repeat(n)}${"</a>".repeat(n)}</${root}>`);
  return [
    ["4 KiB of random bytes", randomBytes(4096)],
    [
      "invalid XML",
      xml(`<${root}><CORSRule><AllowedMethod>GET</AllowedOrigin><Key>&bogus;</${root}`),
    ],
    ["XML 8,000 elements deep", deep(8000)],
    ["XML 100,000 elements deep", deep(100_000)],
    [
      "<__proto__> elements",
      xml(
        `<${root}><__proto__><polluted>yes</polluted><Key>${SMALL}</Key></__proto__>` +
          "<constructor><prototype><polluted>yes</polluted></prototype></constructor>" +
          `<hasOwnProperty>1</hasOwnProperty><toString>x</toString></${root}>`,
      ),
    ],
  ];
}

/** A 2xx is right for reads, and for operations that take no body (the garbage is ignored). */
function bodylessOperation(method: string, on: "bucket" | "object", sub: string): boolean {
  if (method === "GET" || method === "HEAD") return true;
  // DeleteObjectTagging and DeleteBucketTagging take no body: the garbage is ignored.
  if (method === "DELETE" && sub === "tagging") return true;
  if (on === "bucket" && method === "DELETE") {
    return ["cors", "lifecycle", "website", "policy"].includes(sub);
  }
  return on === "object" && method === "POST" && sub === "uploads";
}

async function subresources(t: Deno.TestContext, fx: Fixture): Promise<void> {
  for (const sub of SUBRESOURCES) {
    await fx.case(t, `?${sub}`, async (p) => {
      const bodies = garbageBodies(sub);
      for (const on of ["bucket", "object"] as const) {
        const path = on === "bucket" ? `/${BUCKET}?${sub}` : `${objectPath(SMALL)}?${sub}`;
        for (const method of METHODS) {
          const verdicts: [string, string | undefined][] = [];
          for (const [label, body] of bodies) {
            verdicts.push([label, await garbageRequest(fx, method, on, sub, path, body)]);
          }
          const bad = verdicts.filter(([, v]) => v !== undefined);
          const what = `${method} ${on}?${sub}`;
          if (bad.length === bodies.length && bad.every(([, v]) => v === bad[0][1])) {
            p.push(`${what}, every body: ${bad[0][1]}`);
          } else {
            for (const [label, v] of bad) p.push(`${what}, ${label}: ${v}`);
          }
        }
      }
    });
  }
}

/** One signed request with a garbage body; what is wrong with its outcome, if anything. */
async function garbageRequest(
  fx: Fixture,
  method: string,
  on: "bucket" | "object",
  sub: string,
  path: string,
  body: Uint8Array,
): Promise<string | undefined> {
  const ex = await exchange(
    fx.s3Origin,
    fx.signedBytes(method, path, body, { headers: { "content-type": "application/xml" } }),
    { head: method === "HEAD", settleMs: 0, timeoutMs: 15_000 },
  );
  const a = ex.answers[0];
  const head = method === "HEAD";
  if (VERBOSE) console.log(`    ${method} ${on}?${sub} (${body.length} bytes) → ${describe(ex)}`);
  let verdict: string | undefined;
  if (!a) verdict = describe(ex);
  else if (isServerError(a, head)) verdict = statusText(a);
  else if (a.status >= 200 && a.status < 300) {
    if (!bodylessOperation(method, on, sub)) verdict = `${statusText(a)} (accepted)`;
  } else if (!is4xx(a) && !tolerated501(a, head)) verdict = statusText(a);
  if (a && a.status >= 200 && a.status < 300 && bodylessOperation(method, on, sub)) {
    // Undo what the legitimate operation did.
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(a.text())?.[1];
    if (uploadId) {
      await fx.s3("DELETE", `${objectPath(SMALL)}?uploadId=${encodeURIComponent(uploadId)}`);
    }
    if (method === "DELETE" && CONFIG_DOCS[sub]) {
      await fx.s3("PUT", `/${BUCKET}?${sub}`, xml(CONFIG_DOCS[sub]));
    }
  }
  if (method !== "GET" && method !== "HEAD") {
    const left = await fx.check({ light: true });
    if (left.length) {
      verdict = `${verdict ?? statusText(a)}; left: ${left.join("; ")}`;
      await fx.restore();
    }
  }
  return verdict;
}
