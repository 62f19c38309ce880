import { assertEquals } from "../../tests/assert.ts";
import { Metrics } from "./metrics.ts";

Deno.test("metrics: a value read when scraped renders as a gauge, or as a counter when told", async () => {
  const m = new Metrics();
  m.gauge("disk_free_bytes", "Free space", () => Promise.resolve([[{ disk: "data" }, 5]]));
  m.gauge(
    "rpc_bytes_total",
    "Bytes to peers",
    () => Promise.resolve([[{ peer: "ab", direction: "sent" }, 7]]),
    "counter",
  );
  assertEquals(
    (await m.render()).trim().split("\n"),
    [
      "# HELP disk_free_bytes Free space",
      "# TYPE disk_free_bytes gauge",
      'disk_free_bytes{disk="data"} 5',
      "# HELP rpc_bytes_total Bytes to peers",
      "# TYPE rpc_bytes_total counter",
      'rpc_bytes_total{peer="ab",direction="sent"} 7',
    ],
  );
});
