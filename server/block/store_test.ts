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

Deno.test("a compressible block is kept compressed, read back plain, and still caught when damaged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-blocks-" });
  try {
    const store = new BlockStore(dir, false, 1);
    const text = new TextEncoder().encode("a line of a log file\n".repeat(20_000));
    const hash = blockHash(text);
    await store.write(hash, text);
    assertEquals(await Deno.stat(store.path(hash)).catch(() => null), null);
    const packed = (await Deno.stat(store.compressedPath(hash))).size;
    assertEquals(packed < text.length / 20, true, `${packed} bytes on disk for ${text.length}`);
    assertEquals(await store.read(hash), text);
    const pieces = (await store.readPieces(hash))!;
    assertEquals(pieces.every((p) => p.length > 0 && p.length <= 256 * 1024), true);
    const joined = new Uint8Array(text.length);
    let at = 0;
    for (const p of pieces) {
      joined.set(p, at);
      at += p.length;
    }
    assertEquals(joined, text);
    assertEquals(await store.exists(hash), true);
    assertEquals(await Array.fromAsync(store.list()), [hash]);

    // Random bytes do not shrink: they stay plain.
    const noise = crypto.getRandomValues(new Uint8Array(65536));
    const noiseHash = blockHash(noise);
    await store.write(noiseHash, noise);
    assertEquals((await Deno.stat(store.path(noiseHash))).size, noise.length + 4);

    const file = await Deno.readFile(store.compressedPath(hash));
    file[10] ^= 1;
    await Deno.writeFile(store.compressedPath(hash), file);
    assertEquals(await store.read(hash), null, "the CRC covers the compressed bytes");
    assertEquals(await store.readPieces(hash), null);
    await store.delete(hash);
    assertEquals(await store.exists(hash), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with compression off, every block is kept plain", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-blocks-" });
  try {
    const store = new BlockStore(dir, false, "none");
    const text = new TextEncoder().encode("zzzz".repeat(10_000));
    const hash = blockHash(text);
    await store.write(hash, text);
    assertEquals((await Deno.stat(store.path(hash))).size, text.length + 4);
    assertEquals(await store.read(hash), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
