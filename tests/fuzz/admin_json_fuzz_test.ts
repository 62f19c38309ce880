/**
 * Property-based fuzzing of the admin API's request validation (server/admin/validate.ts):
 * parseJsonBody, bodyFields and its typed accessors, Query, checkHexId and parseDateTime.
 * A request body or query string is client input: whatever it holds, the answer is a value of
 * the type asked for or an InvalidRequest (400; see server/admin/errors.ts), never another
 * error (500), and parsing never touches Object.prototype.
 */
import fc from "fast-check";
import {
  bodyFields,
  checkHexId,
  type Fields,
  InvalidRequest,
  parseDateTime,
  parseJsonBody,
  Query,
} from "../../server/admin/validate.ts";
import { assert, assertEquals } from "../assert.ts";
import {
  assertNoPollution,
  assertPlainTree,
  expectType,
  HOSTILE_NAMES,
  outcome,
  runs,
} from "./props.ts";

/** Fails unless the call returns, or throws InvalidRequest. */
function valueOrInvalid<T>(fn: () => T, context: string): T | InvalidRequest {
  const o = outcome(fn);
  assertNoPollution(context);
  if (!o.ok) return expectType(o.error, InvalidRequest, context);
  return o.value;
}

const FIELD_NAMES = [
  "name",
  "id",
  "bucketId",
  "accessKeyId",
  "allow",
  "deny",
  "permissions",
  "quotas",
  "maxSize",
  "maxObjects",
  "websiteAccess",
  "indexDocument",
  "aliases",
  "expiration",
  "zone",
  "capacity",
  "tags",
];

const key = fc.oneof(
  fc.constantFrom(...FIELD_NAMES),
  fc.constantFrom(...HOSTILE_NAMES),
  fc.string({ maxLength: 8 }),
);

/** JSON text of any shape, with hostile keys and the values the accessors look for. */
const json: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.constantFrom(
      "null",
      "true",
      "false",
      "0",
      "-1",
      "1.5",
      "1e308",
      "1e309",
      "-0",
      "9007199254740993",
      '""',
      '"x"',
      '"\\u0000"',
      '"\\ud800"',
    ),
    fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
    fc.string({ maxLength: 5000, size: "max" }).map((s) => JSON.stringify(s)),
    fc.integer().map(String),
    fc.array(tie("v"), { maxLength: 4 }).map((a) => `[${a.join(",")}]`),
    fc.array(fc.tuple(key, tie("v")), { maxLength: 4 }).map((e) =>
      `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`
    ),
  ),
})).v;

/** Broken JSON: tokens in any order. */
const jsonSoup = fc.array(
  fc.oneof(
    fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "nul", "tru", "1e", "-", " ", "\n"),
    json,
    fc.string({ maxLength: 4 }),
  ),
  { maxLength: 20 },
).map((t) => t.join(""));

Deno.test("fuzz admin: parseJsonBody of any text gives plain JSON values or an InvalidRequest, and reads back any JSON it is given (2000 runs)", () => {
  fc.assert(
    fc.property(fc.oneof(json, jsonSoup, fc.string({ maxLength: 30 })), (text) => {
      const got = valueOrInvalid(() => parseJsonBody(text), `body ${JSON.stringify(text)}`);
      if (got instanceof InvalidRequest) return;
      assertPlainTree(got, `body ${JSON.stringify(text)}`);
      let expected: unknown;
      try {
        expected = text.trim() === "" ? undefined : JSON.parse(text);
      } catch {
        throw new Error(`parseJsonBody accepted text JSON.parse refuses: ${JSON.stringify(text)}`);
      }
      assertEquals(got, expected);
    }),
    runs(2000),
  );
});

type Call = {
  op: string;
  field: string;
  nested: string[];
  min: number;
  nonEmpty: boolean;
  descend: boolean;
};
const call: fc.Arbitrary<Call> = fc.record({
  op: fc.constantFrom(
    "has",
    "raw",
    "str",
    "optStr",
    "bool",
    "optBool",
    "int",
    "intOrNull",
    "strings",
    "optStrings",
    "list",
    "obj",
    "optObj",
  ),
  field: fc.constantFrom(...FIELD_NAMES),
  nested: fc.subarray(FIELD_NAMES, { maxLength: 4 }),
  min: fc.constantFrom(0, 1, -5),
  nonEmpty: fc.boolean(),
  descend: fc.boolean(),
});

/** Runs one accessor and checks the type of what it returned. */
function run(f: Fields, c: Call): Fields | undefined {
  const ctx = `${c.op}(${JSON.stringify(c.field)}) on ${JSON.stringify(f.value)}`;
  const isInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= c.min;
  switch (c.op) {
    case "has":
      assert(typeof f.has(c.field) === "boolean", ctx);
      return;
    case "raw":
      f.raw(c.field);
      return;
    case "str": {
      const v = f.str(c.field, { nonEmpty: c.nonEmpty });
      assert(typeof v === "string" && (!c.nonEmpty || v !== ""), ctx);
      return;
    }
    case "optStr": {
      const v = f.optStr(c.field, { nonEmpty: c.nonEmpty });
      assert(v === undefined || (typeof v === "string" && (!c.nonEmpty || v !== "")), ctx);
      return;
    }
    case "bool":
      assert(typeof f.bool(c.field) === "boolean", ctx);
      return;
    case "optBool": {
      const v = f.optBool(c.field);
      assert(v === undefined || typeof v === "boolean", ctx);
      return;
    }
    case "int":
      assert(isInt(f.int(c.field, c.min)), ctx);
      return;
    case "intOrNull": {
      const v = f.intOrNull(c.field, c.min);
      assert(v === null || isInt(v), ctx);
      return;
    }
    case "strings": {
      const v = f.strings(c.field);
      assert(Array.isArray(v) && v.every((x) => typeof x === "string"), ctx);
      return;
    }
    case "optStrings": {
      const v = f.optStrings(c.field);
      assert(v === undefined || (Array.isArray(v) && v.every((x) => typeof x === "string")), ctx);
      return;
    }
    case "list":
      assert(Array.isArray(f.list(c.field)), ctx);
      return;
    case "obj":
      return f.obj(c.field, c.nested);
    case "optObj":
      return f.optObj(c.field, c.nested);
  }
}

Deno.test("fuzz admin: bodyFields and its typed accessors give values of the type asked for or an InvalidRequest, whatever the body (2000 runs)", () => {
  fc.assert(
    fc.property(
      fc.oneof(json, fc.constant("")),
      fc.subarray(FIELD_NAMES, { minLength: 1 }),
      fc.boolean(),
      fc.array(call, { minLength: 1, maxLength: 6 }),
      (text, allowed, emptyOk, calls) => {
        const context = `body ${text}, fields ${JSON.stringify(allowed)}`;
        const body = valueOrInvalid(() => parseJsonBody(text), context);
        if (body instanceof InvalidRequest) return;
        let f = valueOrInvalid(() => bodyFields(body, allowed, emptyOk), context);
        if (f instanceof InvalidRequest) return;
        for (const [i, c] of calls.entries()) {
          const fields: Fields = f;
          const next = valueOrInvalid(() => run(fields, c), `${context}, call ${i} ${c.op}`);
          if (next instanceof InvalidRequest) return;
          if (next && c.descend) f = next; // go on inside the nested object
        }
      },
    ),
    runs(2000),
  );
});

const queryString = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom("id", "search", "list", "__proto__", "toString"),
      fc.string({ maxLength: 5 }),
    ),
    fc.oneof(
      fc.constantFrom("", "true", "false", "TRUE", "1", "%", "%zz"),
      fc.string({ maxLength: 6 }),
    ),
  ),
  { maxLength: 4 },
).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));

Deno.test("fuzz admin: Query, checkHexId and parseDateTime give values of the type asked for or an InvalidRequest, whatever the query (2000 runs)", () => {
  fc.assert(
    fc.property(
      queryString,
      fc.subarray(["id", "search", "list", "globalAlias"]),
      fc.constantFrom("id", "search", "list", "globalAlias", "toString"),
      (qs, allowed, name) => {
        const context = `query ${JSON.stringify(qs)}, accepting ${JSON.stringify(allowed)}`;
        const q = valueOrInvalid(() => new Query(new URLSearchParams(qs), allowed), context);
        if (q instanceof InvalidRequest) return;
        const got = valueOrInvalid(() => q.get(name), context);
        assert(got === undefined || typeof got === "string", context);
        const req = valueOrInvalid(() => q.required(name, "what"), context);
        assert(req instanceof InvalidRequest || (typeof req === "string" && req !== ""), context);
        const b = valueOrInvalid(() => q.bool(name), context);
        assert(b instanceof InvalidRequest || typeof b === "boolean", context);
        const v = got ?? qs;
        const hex = valueOrInvalid(() => checkHexId(v, "bucket", name), context);
        assert(hex instanceof InvalidRequest || /^[0-9a-f]{64}$/.test(hex), context);
        const ms = valueOrInvalid(() => parseDateTime(v, name), context);
        assert(ms instanceof InvalidRequest || Number.isFinite(ms), context);
      },
    ),
    runs(2000),
  );
});

Deno.test("fuzz admin: parseDateTime of RFC 3339-shaped text gives a finite time or an InvalidRequest (2000 runs)", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(
        /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,12})?([Zz]|[+-]\d{2}:\d{2})$/,
      ),
      (v) => {
        const ms = valueOrInvalid(() => parseDateTime(v, "expiration"), v);
        assert(ms instanceof InvalidRequest || Number.isFinite(ms), v);
      },
    ),
    runs(2000),
  );
});
