import { assertEquals } from "../../tests/assert.ts";
import { type CachedEntry, EntryCache } from "./cache.ts";

const entry = (v: string, size = 100): CachedEntry<string> => ({
  entry: v,
  bytes: new Uint8Array(size),
  versionstamp: "01",
});

Deno.test("entry cache: stays within its bytes, evicting entries not read since", () => {
  // Each entry costs 2 × 100 + 128 = 328 bytes: ten fit in 3,300.
  const cache = new EntryCache<string>(3_300);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, entry(`v${i}`));
  assertEquals(cache.size, 10);
  cache.get("k0");
  cache.set("k10", entry("v10"));
  assertEquals(cache.size, 10);
  // k0 was read, so k1 (the oldest not read) made room.
  assertEquals(cache.get("k0")?.entry, "v0");
  assertEquals(cache.get("k1"), undefined);
  for (let i = 11; i < 100; i++) cache.set(`k${i}`, entry(`v${i}`));
  assertEquals(cache.size, 10);
});

Deno.test("entry cache: an entry larger than an eighth of the budget is not kept", () => {
  const cache = new EntryCache<string>(64_000);
  cache.set("big", entry("x", 5_000));
  assertEquals(cache.get("big"), undefined);
});

Deno.test("entry cache: a read that a write overtook is not cached", async () => {
  const cache = new EntryCache<string>(1 << 20);
  let finish!: () => void;
  const read = cache.read("k", () =>
    new Promise<CachedEntry<string>>((resolve) => {
      finish = () => resolve(entry("old"));
    }));
  cache.set("k", entry("new"));
  finish();
  assertEquals((await read).entry, "old");
  assertEquals(cache.get("k")?.entry, "new");
  // Without a write meanwhile, what was read is kept.
  await cache.read("j", () => Promise.resolve(entry("j1")));
  assertEquals(cache.get("j")?.entry, "j1");
});
