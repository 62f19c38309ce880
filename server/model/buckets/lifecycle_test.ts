import { assertEquals } from "../../../tests/assert.ts";
import {
  DAY_MS,
  dueAt,
  filterMatches,
  isMidnightUtc,
  type LifecycleRule,
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
  assertEquals(filterMatches(f, "logs/a", 50), true);
  assertEquals(filterMatches(f, "data/a", 50), false);
  assertEquals(filterMatches(f, "logs/a", 10), false, "greater than is strict");
  assertEquals(filterMatches(f, "logs/a", 100), false, "less than is strict");
  assertEquals(filterMatches({}, "anything", 0), true, "an empty filter is the whole bucket");
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
