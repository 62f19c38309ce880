import { assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import {
  bodyFields,
  checkHexId,
  Fields,
  InvalidRequest,
  parseDateTime,
  parseJsonBody,
  Query,
} from "./validate.ts";

function refused(fn: () => unknown, re: RegExp): void {
  const e = assertThrows(fn);
  if (!(e instanceof InvalidRequest)) throw new Error(`expected InvalidRequest, got ${e}`);
  assertMatch(e.message, re);
}

Deno.test("JSON bodies: empty is undefined, malformed names the parser's complaint", () => {
  assertEquals(parseJsonBody(""), undefined);
  assertEquals(parseJsonBody("  \n"), undefined);
  assertEquals(parseJsonBody('{"a":1}'), { a: 1 });
  refused(() => parseJsonBody("{a:1}"), /^The request body is not valid JSON: /);
});

Deno.test("bodyFields refuses non-objects, unknown fields and a missing body", () => {
  refused(() => bodyFields([1], ["a"]), /The request body must be a JSON object, got \[1\]/);
  refused(() => bodyFields("x", ["a"]), /must be a JSON object, got "x"/);
  refused(
    () => bodyFields({ b: 1 }, ["a", "c"]),
    /unknown field `b`; the fields it accepts are: a, c/,
  );
  refused(() => bodyFields(undefined, ["a"]), /needs a JSON object in the request body/);
  assertEquals(bodyFields(undefined, ["a"], true).has("a"), false);
});

Deno.test("typed fields name the field, the expected type and the value sent", () => {
  const f = Fields.of({ s: "x", n: 3, b: true, l: ["a"], o: { x: 1 }, z: null, neg: -2 }, "", [
    "s",
    "n",
    "b",
    "l",
    "o",
    "z",
    "neg",
  ]);
  assertEquals(f.str("s"), "x");
  assertEquals(f.int("n"), 3);
  assertEquals(f.bool("b"), true);
  assertEquals(f.strings("l"), ["a"]);
  assertEquals(f.optStr("z"), undefined, "null counts as absent");
  assertEquals(f.intOrNull("z"), null);
  assertEquals(f.intOrNull("missing"), null);
  refused(() => f.str("n"), /^`n` must be a string, got 3$/);
  refused(() => f.int("s"), /^`s` must be an integer of at least 0, got "x"$/);
  refused(() => f.int("neg"), /got -2/);
  refused(() => f.bool("s"), /^`s` must be true or false, got "x"$/);
  refused(() => f.strings("o"), /^`o` must be a list of strings/);
  refused(() => f.str("missing"), /^`missing` is required$/);
  refused(() => f.obj("o", ["y"]), /^`o` has an unknown field `x`/);
  const nested = Fields.of({ inner: { deep: 5 } }, "", ["inner"]).obj("inner", ["deep"]);
  refused(() => nested.str("deep"), /^`inner.deep` must be a string, got 5$/);
  refused(() => Fields.of({}, "", []).str("x", { nonEmpty: true }), /is required/);
  refused(() => Fields.of({ x: "" }, "", ["x"]).str("x", { nonEmpty: true }), /non-empty string/);
});

Deno.test("query parameters: unknown ones, required ones, booleans", () => {
  refused(
    () => new Query(new URLSearchParams("x=1"), ["id"]),
    /Unknown query parameter `x`; this endpoint accepts: id/,
  );
  refused(() => new Query(new URLSearchParams("x=1"), []), /takes no query parameters/);
  const q = new Query(new URLSearchParams("id=abc&showSecretKey=true&flag=false"), [
    "id",
    "showSecretKey",
    "flag",
    "node",
  ]);
  assertEquals(q.required("id", "the id"), "abc");
  assertEquals(q.bool("showSecretKey"), true);
  assertEquals(q.bool("flag"), false);
  assertEquals(q.bool("node"), false);
  refused(
    () => q.required("node", "self, * or a node id"),
    /Missing query parameter `node` \(self, \* or a node id\)/,
  );
  refused(
    () => new Query(new URLSearchParams("b=yes"), ["b"]).bool("b"),
    /must be true or false, got "yes"/,
  );
});

Deno.test("ids and dates", () => {
  assertEquals(checkHexId("ab".repeat(32), "node", "id"), "ab".repeat(32));
  refused(
    () => checkHexId("abc", "node", "roles[0].id"),
    /`roles\[0\].id` must be a full node id \(64 hex digits\)/,
  );
  assertEquals(parseDateTime("2030-01-31T12:00:00Z", "expiration"), Date.UTC(2030, 0, 31, 12));
  assertEquals(
    parseDateTime("2030-01-31T12:00:00.500+01:00", "expiration"),
    Date.UTC(2030, 0, 31, 11, 0, 0, 500),
  );
  refused(() => parseDateTime("2030-01-31", "expiration"), /`expiration` must be an RFC 3339 date/);
  refused(() => parseDateTime("tomorrow", "expiration"), /got "tomorrow"/);
});
