import { assert, assertEquals } from "../../tests/assert.ts";
import { FlowWindow } from "./window.ts";

/** Sends a full window at `t`, acknowledged in 32 KiB steps after `rtt` ms. */
function roundTrip(w: FlowWindow, t: number, rtt: number): number {
  const size = w.size;
  for (let sent = 0; sent < size; sent += 32 * 1024) {
    w.sent(32 * 1024);
    w.wrote(true, t);
  }
  for (let acked = 0; acked < size; acked += 32 * 1024) w.acked(32 * 1024, t + rtt);
  return t + rtt;
}

Deno.test("a window held full and acknowledged promptly doubles each round trip", () => {
  const w = new FlowWindow();
  const start = w.size;
  let t = 0;
  t = roundTrip(w, t, 50);
  assertEquals(w.size, start * 2);
  for (let i = 0; i < 10; i++) t = roundTrip(w, t, 50);
  assertEquals(w.size, 16 * 1024 * 1024, "capped");
  assertEquals(w.inFlight, 0);
});

Deno.test("acknowledgements slowed by queueing shrink the window, not below 64 KiB", () => {
  const w = new FlowWindow();
  let t = roundTrip(w, 0, 1);
  const grown = w.size;
  t = roundTrip(w, t, 10);
  assert(w.size < grown, `${w.size} < ${grown}`);
  for (let i = 0; i < 50; i++) t = roundTrip(w, t, 10 + i);
  assertEquals(w.size, 64 * 1024);
});

Deno.test("writes the window did not hold back say nothing about the path", () => {
  const w = new FlowWindow();
  const start = w.size;
  w.sent(1000);
  w.wrote(false, 0);
  w.acked(1000, 500);
  assertEquals(w.size, start);
  assert(w.allows(start) && !w.allows(start + 1) && w.allows(start + 1, 1));
});
