import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { type ConditionHeaders, evaluate } from "./conditions.ts";
import { S3Error } from "./error.ts";

const v = { etag: "abc", lastModified: Date.parse("2026-01-10T12:00:00Z") };
const none: ConditionHeaders = {
  ifMatch: null,
  ifNoneMatch: null,
  ifModifiedSince: null,
  ifUnmodifiedSince: null,
};
const failed = (c: Partial<ConditionHeaders>) =>
  (assertThrows(() => evaluate({ ...none, ...c }, v)) as S3Error).code;

Deno.test("If-Match: a matching, quoted, listed or * ETag passes; another fails", () => {
  assertEquals(evaluate({ ...none, ifMatch: '"abc"' }, v), "ok");
  assertEquals(evaluate({ ...none, ifMatch: '"x", "abc"' }, v), "ok");
  assertEquals(evaluate({ ...none, ifMatch: "*" }, v), "ok");
  assertEquals(failed({ ifMatch: '"x"' }), "PreconditionFailed");
});

Deno.test("If-None-Match: a match is 304", () => {
  assertEquals(evaluate({ ...none, ifNoneMatch: '"abc"' }, v), "notModified");
  assertEquals(evaluate({ ...none, ifNoneMatch: '"x"' }, v), "ok");
});

Deno.test("dates compare at one-second resolution", () => {
  assertEquals(
    evaluate({ ...none, ifModifiedSince: "Sat, 10 Jan 2026 12:00:00 GMT" }, v),
    "notModified",
  );
  assertEquals(evaluate({ ...none, ifModifiedSince: "Sat, 10 Jan 2026 11:59:59 GMT" }, v), "ok");
  assertEquals(evaluate({ ...none, ifUnmodifiedSince: "Sat, 10 Jan 2026 12:00:00 GMT" }, v), "ok");
  assertEquals(
    failed({ ifUnmodifiedSince: "Sat, 10 Jan 2026 11:59:59 GMT" }),
    "PreconditionFailed",
  );
});

Deno.test("If-Match overrides If-Unmodified-Since; If-None-Match overrides If-Modified-Since", () => {
  assertEquals(
    evaluate({ ...none, ifMatch: '"abc"', ifUnmodifiedSince: "Thu, 01 Jan 2026 00:00:00 GMT" }, v),
    "ok",
  );
  assertEquals(
    evaluate({ ...none, ifNoneMatch: '"x"', ifModifiedSince: "Sun, 01 Feb 2026 00:00:00 GMT" }, v),
    "ok",
  );
});
