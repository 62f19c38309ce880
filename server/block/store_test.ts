import { assertEquals } from "../../tests/assert.ts";
import { blockHash } from "./manager.ts";
import { BlockStore } from "./store.ts";

Deno.test("a block reads back as written; a flipped bit on disk makes it unreadable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-blocks-" });
  try {
    const store = new BlockStore(dir, true);
    const data = crypto.getRandomValues(new Uint8Array(4096));
    const hash = blockHash(data);
    await store.write(hash, data);
    assertEquals(await store.read(hash), data);
    assertEquals([...(await Array.fromAsync(store.list()))], [hash]);

    const file = await Deno.readFile(store.path(hash));
    file[100] ^= 1;
    await Deno.writeFile(store.path(hash), file);
    assertEquals(await store.read(hash), null, "bit rot is caught by the CRC32 trailer");
    assertEquals(await store.read("0".repeat(64)), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a block is read in pieces of 256 KiB that join into what was written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-blocks-" });
  try {
    const store = new BlockStore(dir, false);
    const KiB = 1024;
    for (const size of [1, 256 * KiB, 256 * KiB + 1, 1024 * KiB, 1024 * KiB + 3]) {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
      const hash = blockHash(data);
      await store.write(hash, data);
      const pieces = (await store.readPieces(hash))!;
      assertEquals(pieces.reduce((n, p) => n + p.length, 0), size, `${size} bytes`);
      assertEquals(pieces.every((p) => p.length > 0 && p.length <= 256 * KiB), true);
      const joined = new Uint8Array(size);
      let at = 0;
      for (const p of pieces) {
        joined.set(p, at);
        at += p.length;
      }
      assertEquals(joined, data);

      const file = await Deno.readFile(store.path(hash));
      file[file.length - 5] ^= 1;
      await Deno.writeFile(store.path(hash), file);
      assertEquals(await store.readPieces(hash), null, `bit rot in a ${size}-byte block`);
    }
    assertEquals(await store.readPieces("0".repeat(64)), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
