import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertRejects } from "../../../tests/assert.ts";
import { copyDatabase } from "./copy.ts";
import { conversionPath, convertPageSize, DB_PAGE_SIZE, pageSizeOf } from "./page_size.ts";

const ENTRIES = 4000;
const valueOf = (i: number) => new Uint8Array(1100).fill(i % 251);

/** A Deno KV database as Remise made them before its pages were 16 KiB, with entries of ~1 KiB. */
async function oldDatabase(dir: string): Promise<string> {
  const path = `${dir}/db.sqlite`;
  const db = new DatabaseSync(path);
  db.exec("PRAGMA page_size = 4096; CREATE TABLE x (x); DROP TABLE x;");
  db.close();
  const kv = await Deno.openKv(path);
  for (let i = 0; i < ENTRIES; i += 200) {
    const op = kv.atomic();
    for (let j = i; j < i + 200; j++) op.set(["t", "object", j], valueOf(j));
    await op.commit();
  }
  kv.close();
  return path;
}

/** Runs `fn` on an old database in a scratch folder, removed afterwards. */
async function withOldDatabase(fn: (path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(await oldDatabase(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertAllThere(path: string): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    let n = 0;
    for await (const e of kv.list<Uint8Array>({ prefix: ["t", "object"] })) {
      assertEquals(e.value, valueOf(e.key[2] as number));
      n++;
    }
    assertEquals(n, ENTRIES);
  } finally {
    kv.close();
  }
}

Deno.test("page size: a database with 4 KiB pages is rewritten once, with every entry, in less room", async () => {
  await withOldDatabase(async (path) => {
    assertEquals(pageSizeOf(path), 4096);
    const done = await convertPageSize(path);
    assertEquals(done?.from, 4096);
    assertEquals(done?.to, DB_PAGE_SIZE);
    assert(done!.bytesAfter < done!.bytesBefore * 0.6, JSON.stringify(done));
    assertEquals(pageSizeOf(path), DB_PAGE_SIZE);
    assertEquals(await convertPageSize(path), undefined);
    await assertAllThere(path);
    // Deno KV writes on as before.
    const kv = await Deno.openKv(path);
    await kv.set(["after"], 1);
    kv.close();
  });
});

Deno.test("page size: snapshots are written with the new pages, from a database in use", async () => {
  await withOldDatabase(async (path, dir) => {
    const kv = await Deno.openKv(path);
    try {
      await kv.set(["t", "object", ENTRIES], valueOf(ENTRIES));
      await copyDatabase(path, `${dir}/copy.sqlite`, { pageSize: DB_PAGE_SIZE, readOnly: true });
    } finally {
      kv.close();
    }
    assertEquals(pageSizeOf(`${dir}/copy.sqlite`), DB_PAGE_SIZE);
    assertEquals(pageSizeOf(path), 4096);
  });
});

Deno.test("page size: killed at any moment of the rewrite, the database opens whole", async () => {
  await withOldDatabase(async (path) => {
    const module = new URL("./page_size.ts", import.meta.url).href;
    const code = `import { convertPageSize } from ${JSON.stringify(module)};
      console.log("go"); await convertPageSize(${JSON.stringify(path)});`;
    let converted = false;
    let partial = 0;
    // Killed a little later each time, until one run finishes.
    for (let delay = 0; !converted && delay < 2000; delay += 2) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", "--unstable-kv", code],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      // Timed from the moment the child has loaded its modules and begins.
      const reader = child.stdout.getReader();
      await reader.read();
      await new Promise((r) => setTimeout(r, delay));
      try {
        child.kill("SIGKILL");
      } catch {
        // It finished first.
      }
      reader.releaseLock();
      await child.stdout.cancel();
      await child.status;
      await assertAllThere(path);
      partial += await Deno.stat(conversionPath(path)).then((s) => s.size > 0 ? 1 : 0, () => 0);
      converted = pageSizeOf(path) === DB_PAGE_SIZE;
    }
    console.log(`${partial} runs killed with the new database partly written`);
    // However far it got, the next start finishes it and leaves nothing behind.
    await convertPageSize(path);
    assertEquals(pageSizeOf(path), DB_PAGE_SIZE);
    await assertAllThere(path);
    assertEquals(await Deno.stat(conversionPath(path)).then(() => true, () => false), false);
  });
});

Deno.test("page size: a rewrite that cannot be made leaves the database as it was", async () => {
  await withOldDatabase(async (path) => {
    // Where the copy would go stands something that is not a file (as a full disk would stop it).
    await Deno.mkdir(`${conversionPath(path)}/in-the-way`, { recursive: true });
    await assertRejects(() => convertPageSize(path));
    assertEquals(pageSizeOf(path), 4096);
    await assertAllThere(path);
  });
});
