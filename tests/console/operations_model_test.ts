import { assertEquals } from "../assert.ts";
import { progressFraction, sortWorkers } from "../../console/src/operations_model.ts";
import type { WorkerInfoResp } from "../../shared/admin.ts";

Deno.test("operations: progress texts that state how far a worker is become a fraction", () => {
  assertEquals(progressFraction("1200/5000 blocks (24%)"), 0.24);
  assertEquals(progressFraction("37%"), 0.37);
  assertEquals(progressFraction("0/0 blocks (0%)"), 0);
  assertEquals(progressFraction("120 blocks checked"), null);
  assertEquals(progressFraction(null), null);
});

Deno.test("operations: failing workers come first, then busy ones", () => {
  const w = (
    name: string,
    state: WorkerInfoResp["state"],
    consecutiveErrors = 0,
  ) => ({
    id: 0,
    name,
    state,
    errors: consecutiveErrors,
    consecutiveErrors,
    lastError: null,
    tranquility: null,
    progress: null,
    queueLength: null,
    persistentErrors: null,
    freeform: [],
  });
  const sorted = sortWorkers([
    w("gc", "idle"),
    w("scrub", "busy"),
    w("resync", "idle", 3),
    w("merkle", "done"),
    w("anti-entropy", "busy"),
  ]);
  assertEquals(sorted.map((x) => x.name), [
    "resync",
    "anti-entropy",
    "scrub",
    "gc",
    "merkle",
  ]);
});
