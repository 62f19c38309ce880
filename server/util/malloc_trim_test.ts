import { assert } from "../../tests/assert.ts";
import { startMallocTrim } from "./malloc_trim.ts";

Deno.test("malloc_trim: glibc's is called on its period, and stopping waits for it", async () => {
  if (Deno.build.os !== "linux") return;
  const results: boolean[] = [];
  const stop = startMallocTrim(5, (released) => results.push(released));
  // Freed memory for the allocator to hand back: buffers the runtime allocates with malloc.
  for (let i = 0; i < 2000; i++) new Uint8Array(64 * 1024).fill(i);
  const deadline = Date.now() + 2000;
  while (results.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert(results.length >= 3, `malloc_trim called ${results.length} times in 2 s`);
  await stop();
  const count = results.length;
  await new Promise((r) => setTimeout(r, 30));
  assert(results.length === count, "no trim after stop");
});
