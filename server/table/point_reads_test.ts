import { assertEquals, assertRejectsWith } from "../../tests/assert.ts";
import { PointReads } from "./point_reads.ts";

Deno.test("point reads: concurrent misses share getMany calls, each answered its own key", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let i = 0; i < 25; i += 2) await kv.set(["k", i], new Uint8Array([i]));
    const calls: number[] = [];
    const reads = new PointReads({
      getMany: ((keys: Deno.KvKey[]) => {
        calls.push(keys.length);
        return kv.getMany(keys);
      }) as Deno.Kv["getMany"],
    });
    const got = await Promise.all(Array.from({ length: 25 }, (_, i) => reads.get(["k", i])));
    assertEquals(
      got.map((r) => r.value?.[0] ?? null),
      Array.from({ length: 25 }, (_, i) => i % 2 === 0 ? i : null),
    );
    // The first goes out alone; the 24 that came meanwhile take three calls, not 24.
    assertEquals(calls, [1, 10, 10, 4]);
  } finally {
    kv.close();
  }
});

Deno.test("point reads: a failed read fails the reads it carried, and later ones go on", async () => {
  let fail = true;
  const reads = new PointReads({
    getMany: ((keys: Deno.KvKey[]) =>
      fail ? Promise.reject(new Error("database gone")) : Promise.resolve(
        keys.map((key) => ({ key, value: null, versionstamp: null })),
      )) as Deno.Kv[
        "getMany"
      ],
  });
  await assertRejectsWith(() => reads.get(["a"]), Error, "database gone");
  fail = false;
  assertEquals((await reads.get(["b"])).value, null);
});
