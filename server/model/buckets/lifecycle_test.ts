import { assertEquals } from "../../../tests/assert.ts";
import {
  DAY_MS,
  dueAt,
  filterMatches,
  isMidnightUtc,
  type LifecycleRule,
  markerExpires,
  noncurrentExpires,
  objectExpires,
  parseIsoDate,
  uploadExpires,
} from "./lifecycle.ts";

const at = (iso: string) => Date.parse(iso);

Deno.test("Days count from creation, rounded up to the next midnight UTC, as S3 does", () => {
  // AWS's own example: created 2014-01-15 10:30, 3 days → due 2014-01-19 00:00.
  assertEquals(dueAt(at("2014-01-15T10:30:00Z"), 3, DAY_MS), at("2014-01-19T00:00:00Z"));
  // Made exactly at midnight, it is due exactly that many days later.
  assertEquals(dueAt(at("2014-01-15T00:00:00Z"), 3, DAY_MS), at("2014-01-18T00:00:00Z"));
  // A shortened day (tests) rounds the same way.
  assertEquals(dueAt(1_234, 1, 1_000), 3_000);
});

Deno.test("a filter matches by prefix and by strict size bounds", () => {
  const f = { prefix: "logs/", sizeGreaterThan: 10, sizeLessThan: 100 };
  assertEquals(filterMatches(f, { key: "logs/a", size: 50 }), true);
  assertEquals(filterMatches(f, { key: "data/a", size: 50 }), false);
  assertEquals(filterMatches(f, { key: "logs/a", size: 10 }), false, "greater than is strict");
  assertEquals(filterMatches(f, { key: "logs/a", size: 100 }), false, "less than is strict");
  assertEquals(
    filterMatches({}, { key: "anything", size: 0 }),
    true,
    "an empty filter is the whole bucket",
  );
});

const created = at("2024-03-01T12:00:00Z");
const obj = { key: "tmp/x", size: 5, created };
const days: LifecycleRule = {
  id: "r",
  enabled: true,
  filter: { prefix: "tmp/" },
  expiration: { days: 2 },
};

Deno.test("an object expires once its rule's Days are over", () => {
  assertEquals(objectExpires(days, obj, at("2024-03-03T23:59:59Z"), DAY_MS), false);
  assertEquals(objectExpires(days, obj, at("2024-03-04T00:00:00Z"), DAY_MS), true);
});

Deno.test("an object expires from its rule's Date on, whatever its age", () => {
  const rule: LifecycleRule = {
    id: "r",
    enabled: true,
    filter: {},
    expiration: { date: at("2024-03-02T00:00:00Z") },
  };
  assertEquals(objectExpires(rule, obj, at("2024-03-01T23:00:00Z"), DAY_MS), false);
  assertEquals(objectExpires(rule, obj, at("2024-03-02T00:00:00Z"), DAY_MS), true);
});

Deno.test("disabled rules, other prefixes and abort-only rules expire nothing", () => {
  const late = at("2030-01-01T00:00:00Z");
  assertEquals(objectExpires({ ...days, enabled: false }, obj, late, DAY_MS), false);
  assertEquals(objectExpires(days, { ...obj, key: "keep/x" }, late, DAY_MS), false);
  const abortOnly = { id: "r", enabled: true, filter: {}, abortIncompleteUploadDays: 1 };
  assertEquals(objectExpires(abortOnly, obj, late, DAY_MS), false);
});

Deno.test("an upload is aborted DaysAfterInitiation after it began; only the prefix filters it", () => {
  const rule: LifecycleRule = {
    id: "r",
    enabled: true,
    filter: { prefix: "tmp/", sizeLessThan: 1 },
    abortIncompleteUploadDays: 1,
  };
  const upload = { key: "tmp/big", initiated: created };
  assertEquals(uploadExpires(rule, upload, at("2024-03-02T23:59:59Z"), DAY_MS), false);
  assertEquals(uploadExpires(rule, upload, at("2024-03-03T00:00:00Z"), DAY_MS), true);
  assertEquals(uploadExpires(rule, { ...upload, key: "keep" }, Infinity, DAY_MS), false);
  assertEquals(uploadExpires(days, upload, Infinity, DAY_MS), false, "no abort action");
});

Deno.test("lifecycle dates are ISO 8601 calendar dates; Date must be at midnight UTC", () => {
  assertEquals(parseIsoDate("2024-03-01T00:00:00.000Z"), at("2024-03-01T00:00:00Z"));
  assertEquals(parseIsoDate("2024-03-01"), at("2024-03-01T00:00:00Z"));
  assertEquals(parseIsoDate("2024-03-01T02:00:00+02:00"), at("2024-03-01T00:00:00Z"));
  for (const bad of ["2023-02-29", "2024-13-01", "March 1, 2024", "1709251200000", ""]) {
    assertEquals(parseIsoDate(bad), undefined, bad);
  }
  assertEquals(isMidnightUtc(at("2024-03-01T00:00:00Z")), true);
  assertEquals(isMidnightUtc(at("2024-03-01T00:00:00+01:00")), false);
});

Deno.test("a tag filter needs every one of its tags on the object", () => {
  const f = { tags: [["a", "1"], ["b", "2"]] as Array<[string, string]> };
  const obj = (tags?: Array<[string, string]>) => ({ key: "k", size: 1, tags });
  assertEquals(filterMatches(f, obj([["b", "2"], ["a", "1"], ["c", "3"]])), true);
  assertEquals(filterMatches(f, obj([["a", "1"]])), false);
  assertEquals(filterMatches(f, obj([["a", "1"], ["b", "3"]])), false);
  assertEquals(filterMatches(f, obj()), false);
});

Deno.test("noncurrent versions go after their days, the newest few kept", () => {
  const rule = {
    id: "nc",
    enabled: true,
    filter: {},
    noncurrent: { days: 2, newer: 1 },
  };
  const since = at("2024-03-01T10:00:00Z");
  const v = (rank: number) => ({ key: "k", size: 1, since, rank });
  // Noncurrent since the 1st at 10:00, two days: due at midnight starting the 4th.
  assertEquals(noncurrentExpires(rule, v(1), at("2024-03-03T23:59:59Z"), DAY_MS), false);
  assertEquals(noncurrentExpires(rule, v(1), at("2024-03-04T00:00:00Z"), DAY_MS), true);
  assertEquals(noncurrentExpires(rule, v(0), Infinity, DAY_MS), false, "the newest one is kept");
  assertEquals(
    noncurrentExpires({ ...rule, noncurrent: undefined }, v(5), Infinity, DAY_MS),
    false,
  );
});

Deno.test("lone delete markers go under a rule that says so, whatever their age", () => {
  const rule = {
    id: "m",
    enabled: true,
    filter: { prefix: "logs/" },
    expiredObjectDeleteMarker: true,
  };
  assertEquals(markerExpires(rule, "logs/a"), true);
  assertEquals(markerExpires(rule, "data/a"), false);
  assertEquals(markerExpires({ ...rule, enabled: false }, "logs/a"), false);
});
