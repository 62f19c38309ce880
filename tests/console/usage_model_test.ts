import { assertEquals } from "../assert.ts";
import { bucketRates, bucketSeries, rates, type Sample } from "../../console/src/usage_model.ts";

const sample = (
  at: number,
  requests: number,
  buckets: Sample["buckets"] = {},
  bucketRequests: Sample["bucketRequests"] = {},
): Sample => ({ at, requests, errors: 0, bytesIn: 0, bytesOut: 0, buckets, bucketRequests });

Deno.test("console usage: rates between samples, and a restart starts over", () => {
  const s = [sample(0, 0), sample(10_000, 50), sample(20_000, 150), sample(30_000, 20)];
  assertEquals(rates(s, "requests"), [[10_000, 5], [20_000, 10], [30_000, 2]]);
});

Deno.test("console usage: a bucket's counts come from the node that holds them", () => {
  const byNode = {
    n1: [
      sample(0, 0, { b1: { objects: 1, bytes: 10 } }),
      sample(1, 0, { b1: { objects: 2, bytes: 20 } }),
    ],
    n2: [sample(0, 0, { b2: { objects: 5, bytes: 500 } })],
    n3: [sample(0, 0, {})],
  };
  assertEquals(bucketSeries(byNode, "bytes", (id) => `name-${id}`), [
    { name: "name-b2", points: [[0, 500]] },
    { name: "name-b1", points: [[0, 10], [1, 20]] },
  ]);
});

Deno.test("console usage: a bucket's request rate adds up what every node answered for it", () => {
  const byNode = {
    n1: [
      sample(0, 0, {}, { b: { requests: 0, errors: 0 } }),
      sample(10_000, 0, {}, { b: { requests: 100, errors: 10 } }),
    ],
    n2: [sample(1_000, 0, {}, {}), sample(11_000, 0, {}, { b: { requests: 50, errors: 0 } })],
  };
  assertEquals(bucketRates(byNode, "requests", 10_000, (id) => id), [
    { name: "b", points: [[10_000, 15]] },
  ]);
  assertEquals(bucketRates(byNode, "errors", 10_000, (id) => id), [
    { name: "b", points: [[10_000, 1]] },
  ]);
});
