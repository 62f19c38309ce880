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
