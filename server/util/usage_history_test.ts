import { assertEquals } from "../../tests/assert.ts";
import { RecentErrors } from "./metrics.ts";
import { UsageHistory } from "./usage_history.ts";

Deno.test("usage history keeps the newest samples, at most its bound", () => {
  const h = new UsageHistory(1000, 3);
  for (let i = 1; i <= 5; i++) {
    h.add({
      at: i,
      requests: i,
      errors: 0,
      bytesIn: 0,
      bytesOut: 0,
      buckets: {},
      bucketRequests: {},
    });
  }
  assertEquals(h.samples().map((s) => s.at), [3, 4, 5]);
});

Deno.test("recent errors keep the newest, at most their bound", () => {
  const r = new RecentErrors(2);
  for (const code of ["A", "B", "C"]) {
    r.add({
      at: 0,
      api: "s3",
      operation: "GetObject",
      method: "GET",
      path: "/",
      status: 404,
      code,
      message: "",
    });
  }
  assertEquals(r.list().map((e) => e.code), ["B", "C"]);
});
