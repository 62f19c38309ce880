/**
 * Property-based fuzzing of browser form uploads (PostObject): the multipart/form-data reader
 * (server/s3/form.ts formBoundary, FormReader) and the policy document
 * (server/s3/post_policy.ts parsePolicy, checkPolicy). Whatever a browser, or anyone posing
 * as one, sends must end in the fields it sent or a 4xx S3Error; a valid body reads back
 * exactly however it is cut into reads; a truncated one never reads back as something else.
 */
import fc from "fast-check";
import { formBoundary, FormReader } from "../../server/s3/form.ts";
import { checkPolicy, ISO_UTC, parsePolicy, type Policy } from "../../server/s3/post_policy.ts";
import { assert, assertEquals, AssertionError, assertMatch } from "../assert.ts";
import {
  concat,
  cutsOf,
  describeError,
  enc,
  expect4xx,
  HOSTILE_NAMES,
  outcome,
  outcomeAsync,
  runs,
  splitAt,
  streamOf,
} from "./props.ts";

// --- multipart bodies ----------------------------------------------------------------------

/** RFC 2046 boundary characters (bchars), 1 to 70 of them, not ending in a space. */
const boundary = fc.string({
  unit: fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=? ",
  ),
  minLength: 1,
  maxLength: 70,
}).filter((b) => !b.endsWith(" "));
/** Boundaries that need no quotes in a Content-Type (no space, no tspecials that end it). */
const tokenBoundary = fc.stringMatching(/^[A-Za-z0-9'+_.-]{1,70}$/);

type Action = "text" | "stream" | "skip";
type Part = { name: string; filename?: string; contentType?: string; content: Uint8Array };

/** Reads every part, each as `actions` says; `limit` bounds the text reads. */
async function readAll(reader: FormReader, actions: Action[], limit: number) {
  const out: { name: string; filename?: string; content?: Uint8Array }[] = [];
  for (let i = 0;; i++) {
    const part = await reader.next();
    if (!part) return out;
    const action = actions.length ? actions[i % actions.length] : "stream";
    if (action === "text") {
      out.push({ ...part, content: enc.encode(await reader.text(limit)) });
    } else if (action === "stream") {
      out.push({ ...part, content: await new Response(reader.content()).bytes() });
    } else {
      out.push({ name: part.name, filename: part.filename });
    }
    if (out.length > 10_000) throw new AssertionError("more parts than bytes");
  }
}

/** Pieces of multipart framing, in any order, around a given boundary. */
function framingToken(b: string): fc.Arbitrary<Uint8Array | string> {
  return fc.oneof(
    fc.constantFrom(
      `--${b}`,
      `--${b}\r\n`,
      `\r\n--${b}`,
      `\r\n--${b}--`,
      `--${b}--\r\n`,
      `--${b.slice(0, -1)}`,
      `\r\n--${b}x`,
      "\r\n",
      "\r\n\r\n",
      "\r",
      "--",
      'Content-Disposition: form-data; name="key"',
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      "content-disposition: form-data; name=plain",
      'Content-Disposition: form-data; name="a\\"b"; filename*=x',
      "Content-Disposition: form-data",
      "Content-Type: text/plain",
      ":",
      ";",
    ),
    fc.uint8Array({ maxLength: 30 }),
    fc.string({ maxLength: 20 }),
    fc.constantFrom(...HOSTILE_NAMES).map((n) => `Content-Disposition: form-data; name="${n}"`),
  );
}

const randomBody = fc.tuple(fc.oneof(boundary, fc.constantFrom("X", "-", "a b"))).chain(([b]) =>
  fc.tuple(
    fc.constant(b),
    fc.array(framingToken(b), { maxLength: 30, size: "medium" }).map((t) => concat(...t)),
  )
);

const partArb: fc.Arbitrary<Part> = fc.record({
  name: fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.$ -]{1,16}$/),
    fc.constantFrom("key", "policy", "x-amz-signature", "file", ...HOSTILE_NAMES),
  ),
  filename: fc.option(fc.stringMatching(/^[A-Za-z0-9_. -]{0,16}$/), { nil: undefined }),
  contentType: fc.option(fc.constantFrom("text/plain", "image/png", "application/octet-stream"), {
    nil: undefined,
  }),
  content: fc.uint8Array({ maxLength: 0 }), // filled in below, once the boundary is known
});

/** Content that likes to look like the boundary: CRLFs, dashes, the boundary and its start. */
function contentOf(b: string): fc.Arbitrary<Uint8Array> {
  return fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.string({ maxLength: 10 }),
      fc.constantFrom("\r\n", "\r", "--", `--${b}`, `\r\n-`, `\r\n--${b.slice(0, -1)}`, `${b}--`),
    ),
    { maxLength: 12 },
  ).map((p) => concat(...p)).filter((c) => !containsDelimiter(c, b));
}

function containsDelimiter(content: Uint8Array, b: string): boolean {
  const hay = new TextDecoder("latin1").decode(concat(content, "\r\n--"));
  return hay.includes(`\r\n--${b}`);
}

/** A well-formed multipart/form-data body, as RFC 7578 has it. */
function encodeForm(b: string, parts: Part[]): Uint8Array {
  const pieces: (Uint8Array | string)[] = [];
  for (const p of parts) {
    pieces.push(
      `--${b}\r\nContent-Disposition: form-data; name="${p.name}"${
        p.filename !== undefined ? `; filename="${p.filename}"` : ""
      }\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ""}\r\n`,
      p.content,
      "\r\n",
    );
  }
  pieces.push(`--${b}--\r\n`);
  return concat(...pieces);
}

const validForm = boundary.chain((b) =>
  fc.tuple(
    fc.constant(b),
    fc.array(
      fc.tuple(partArb, contentOf(b)).map(([p, content]) => ({ ...p, content })),
      { maxLength: 5 },
    ),
  )
);

const actions = fc.array(fc.constantFrom<Action>("text", "stream", "skip"), { maxLength: 4 });

Deno.test("fuzz form: any multipart body, cut into random reads and read part by part, ends or fails with a 4xx S3 error (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      randomBody.chain(([b, body]) =>
        fc.tuple(fc.constant(b), fc.constant(body), cutsOf(body.length), actions, fc.nat(64))
      ),
      async ([b, body, cuts, acts, limit]) => {
        const reader = new FormReader(streamOf(splitAt(body, cuts)), b);
        const o = await outcomeAsync(() => readAll(reader, acts, limit));
        if (!o.ok) {
          expect4xx(
            o.error,
            `boundary ${JSON.stringify(b)}, body ${JSON.stringify(new TextDecoder().decode(body))}`,
          );
        }
      },
    ),
    { ...runs(1000), timeout: 5000 },
  );
});

Deno.test("fuzz form: a well-formed multipart body, cut anywhere, reads back exactly its parts (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      validForm.chain(([b, parts]) => {
        const body = encodeForm(b, parts);
        return fc.tuple(
          fc.constant(b),
          fc.constant(parts),
          fc.constant(body),
          cutsOf(body.length, 20),
          actions,
        );
      }),
      async ([b, parts, body, cuts, acts]) => {
        const reader = new FormReader(streamOf(splitAt(body, cuts)), b);
        const o = await outcomeAsync(() => readAll(reader, acts.filter((a) => a !== "text"), 0));
        if (!o.ok) throw new AssertionError(`refused: ${describeError(o.error)}`);
        assertEquals(o.value.length, parts.length, "number of parts");
        o.value.forEach((got, i) => {
          assertEquals(got.name, parts[i].name);
          assertEquals(got.filename, parts[i].filename);
          if (got.content) assertEquals(got.content, parts[i].content, `content of part ${i}`);
        });
      },
    ),
    runs(1000),
  );
});

Deno.test("fuzz form: a multipart body cut short fails with a 4xx S3 error, never reads back as other parts (1000 runs)", async () => {
  await fc.assert(
    fc.asyncProperty(
      validForm.chain(([b, parts]) => {
        const body = encodeForm(b, parts);
        return fc.tuple(
          fc.constant(b),
          fc.constant(parts),
          fc.constant(body),
          fc.nat(body.length - 1),
        );
      }),
      async ([b, parts, body, length]) => {
        const reader = new FormReader(streamOf([body.slice(0, length)]), b);
        const o = await outcomeAsync(() => readAll(reader, ["stream"], 0));
        if (!o.ok) {
          expect4xx(o.error, `cut at ${length} of ${body.length}`);
          return;
        }
        assertEquals(
          o.value.map((p) => [p.name, p.filename, p.content]),
          parts.map((p) => [p.name, p.filename, p.content]),
          `cut at ${length} of ${body.length}`,
        );
      },
    ),
    runs(1000),
  );
});

Deno.test("fuzz form: formBoundary never throws, and reads back the boundary parameter wherever it stands among other parameters (2000 runs)", () => {
  const param = fc.tuple(
    fc.constantFrom("charset", "xboundary", "not-boundary", "foo", "name"),
    fc.oneof(tokenBoundary, tokenBoundary.map((v) => `"${v}"`), fc.constant('"a; boundary=evil"')),
  ).map(([k, v]) => `${k}=${v}`);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constant(null),
        fc.tuple(
          fc.constantFrom("multipart/form-data", "Multipart/Form-Data", "multipart/mixed"),
          fc.array(param, { maxLength: 2 }),
          fc.oneof(
            tokenBoundary.map((b) => ({ b, raw: b })),
            boundary.filter((b) => !b.includes('"')).map((b) => ({ b, raw: `"${b}"` })),
          ),
          fc.array(param, { maxLength: 2 }),
          fc.constantFrom(";", "; ", " ; "),
        ),
      ),
      (input) => {
        if (input === null || typeof input === "string") {
          const o = outcome(() => formBoundary(input));
          if (!o.ok) throw new AssertionError(`formBoundary threw ${describeError(o.error)}`);
          if (o.value !== undefined) assert(o.value.length > 0 && input!.includes(o.value));
          return;
        }
        const [type, before, { b, raw }, after, sep] = input;
        const contentType = [type, ...before, `boundary=${raw}`, ...after].join(sep);
        const got = formBoundary(contentType);
        const expected = type === "multipart/mixed" ? undefined : b;
        assertEquals(got, expected, `formBoundary(${JSON.stringify(contentType)})`);
      },
    ),
    runs(2000),
  );
});

// --- policy documents ----------------------------------------------------------------------

const b64 = (s: string) => enc.encode(s).toBase64();

/** JSON values with hostile keys, the strings a policy compares with, odd numbers. */
const jsonKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    ...HOSTILE_NAMES,
    "bucket",
    "key",
    "$key",
    "Content-Type",
    "expiration",
    "conditions",
    "x-amz-meta-a",
  ),
);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, "", "eq", "starts-with", "$key"),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.array(fc.tuple(jsonKey, tie("v")), { maxLength: 4 }).map((e) => jsonObject(e)),
  ),
})).v;

/** An object from entries, `__proto__` as an own key (as JSON.parse makes it). */
function jsonObject(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

/** An operator that is no string: an object, maybe with hostile keys, or any JSON. */
const oddOperator = fc.tuple(
  fc.oneof(
    fc.array(fc.tuple(fc.constantFrom(...HOSTILE_NAMES), jsonValue), { minLength: 1, maxLength: 3 })
      .map((e) => jsonObject(e)),
    jsonValue,
  ),
  fc.constantFrom("$key", "$bucket"),
  fc.string({ maxLength: 4 }),
);

const condition: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(
    fc.constantFrom("eq", "starts-with", "EQ", "Starts-With", "content-length-range", "in"),
    fc.oneof(
      fc.constantFrom("$key", "$bucket", "$Content-Type", "$x-amz-meta-a", "$__proto__"),
      jsonValue,
    ),
    fc.oneof(fc.constantFrom("", "uploads/", "text/"), jsonValue),
  ),
  fc.tuple(fc.constant("content-length-range"), jsonValue, jsonValue),
  oddOperator,
  oddOperator,
  fc.array(fc.tuple(jsonKey, fc.oneof(fc.string({ maxLength: 6 }), jsonValue)), {
    maxLength: 2,
  }).map((e) => jsonObject(e)),
  fc.array(jsonValue, { maxLength: 4 }),
  jsonValue,
);

const expiration = fc.oneof(
  { weight: 3, arbitrary: fc.constant("2030-01-01T00:00:00Z") },
  fc.constantFrom(
    "2030-01-01T00:00:00Z",
    "2000-01-01T00:00:00.000Z",
    "tomorrow",
    "",
    "2030-13-45",
    "2030-01-01 00:00:00.123+00:00",
    "2030-01-01T00:00:00+01:00",
    "2030-01-01T00:00:00",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  jsonValue,
);

const policyText = fc.oneof(
  fc.record({ expiration, conditions: fc.oneof(fc.array(condition, { maxLength: 5 }), jsonValue) })
    .map((p) => JSON.stringify(p)),
  jsonValue.map((v) => JSON.stringify(v) ?? "null"),
  fc.string({ maxLength: 40 }),
);

const policyBase64 = fc.oneof(
  policyText.map(b64),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => b.toBase64()),
  policyText.map((t) => b64(t).replace(/=+$/, "")),
  policyText.map((t) => b64(t).slice(1)),
);

Deno.test("fuzz post policy: parsePolicy of any base64 text gives a policy or a 4xx S3 error (2000 runs)", () => {
  fc.assert(
    fc.property(policyBase64, (text) => {
      const o = outcome(() => parsePolicy(text));
      if (!o.ok) {
        expect4xx(o.error, `policy ${JSON.stringify(text)}`);
        return;
      }
      assert(!Number.isNaN(o.value.expiration) && Array.isArray(o.value.conditions));
      const doc = JSON.parse(
        new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))),
      );
      assertMatch(doc.expiration, ISO_UTC, "only ISO 8601 UTC expirations are taken");
    }),
    runs(2000),
  );
});

const fields = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(
        "key",
        "content-type",
        "x-amz-meta-a",
        "policy",
        "x-ignore-me",
        "success_action_status",
      ),
      fc.constantFrom(...HOSTILE_NAMES),
      fc.string({ maxLength: 8 }).map((s) => s.toLowerCase()),
    ),
    fc.oneof(
      fc.constantFrom("", "uploads/a", "text/plain, image/png", "text/"),
      fc.string({ maxLength: 10 }),
    ),
  ),
  { maxLength: 5 },
).map((e) => new Map(e));

Deno.test("fuzz post policy: checkPolicy of any conditions and form fields gives a length range or a 4xx S3 error, and passes only forms every condition covers (2000 runs)", () => {
  const NOW = Date.parse("2024-06-15T12:00:00Z");
  fc.assert(
    fc.property(
      policyText,
      fields,
      fc.record({
        bucket: fc.constantFrom("b", "uploads"),
        key: fc.constantFrom("uploads/a", "k", ""),
      }),
      (text, form, actual) => {
        const parsed = outcome(() => parsePolicy(b64(text)));
        if (!parsed.ok) {
          expect4xx(parsed.error, `policy ${text}`);
          return;
        }
        const policy: Policy = parsed.value;
        const o = outcome(() => checkPolicy(policy, form, actual, NOW));
        const context = `policy ${text}, fields ${JSON.stringify([...form])}`;
        if (!o.ok) {
          expect4xx(o.error, context);
          return;
        }
        assert(policy.expiration >= NOW, `${context}: an expired policy passed`);
        const range = o.value;
        if (range) {
          assert(
            0 <= range.min && range.min <= range.max,
            `${context}: range ${JSON.stringify(range)}`,
          );
        }
        // Every non-exempt field must be named by a condition of the policy.
        const named = new Set<string>();
        for (const c of policy.conditions) {
          if (Array.isArray(c) && typeof c[1] === "string") {
            named.add(c[1].replace(/^\$/, "").toLowerCase());
          } else if (c && typeof c === "object" && !Array.isArray(c)) {
            const keys = Object.keys(c);
            assertEquals(keys.length, 1, `${context}: a condition object holds one field`);
            named.add(keys[0].replace(/^\$/, "").toLowerCase());
          }
        }
        for (const name of form.keys()) {
          if (["policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"].includes(name)) {
            continue;
          }
          if (name.startsWith("x-ignore-")) continue;
          assert(named.has(name), `${context}: field ${name} passed without a condition`);
        }
      },
    ),
    runs(2000),
  );
});
