/** The listing thread reads the pages the main thread would, sees every commit, and gets out of the way. */
import { assert, assertEquals, assertRejectsWith } from "../../../tests/assert.ts";
import { metadataDbPath } from "../../util/config.ts";
import type { ListParams } from "./listing.ts";
import { ListingThread } from "./listing_thread.ts";
import type { Model } from "../model.ts";
import type { ObjectEntry, ObjectMeta } from "../tables/object.ts";
import { ObjectPages } from "./object_pages.ts";
import { withNode } from "../testing.ts";

const BUCKET = "c".repeat(64);
let clock = 1;

function version(meta: ObjectMeta | undefined): ObjectEntry["versions"][number] {
  return {
    uuid: crypto.randomUUID(),
    timestamp: clock++,
    state: {
      s: "complete",
      data: meta ? { t: "inline", meta, bytes: new Uint8Array(meta.size) } : { t: "delete" },
    },
  };
}

const object = (key: string, meta: Partial<ObjectMeta> = {}): ObjectEntry => ({
  bucketId: BUCKET,
  key,
  versions: [version({ size: key.length, etag: `etag-${key.length}`, headers: [], ...meta })],
});

const deleted = (key: string): ObjectEntry => ({
  bucketId: BUCKET,
  key,
  versions: [version({ size: 1, etag: "gone", headers: [] }), version(undefined)],
});

function threadOf(model: Model, path: string, idleMs?: number): ListingThread {
  return new ListingThread(path, model.objects.schema.name, idleMs);
}

/** Runs `fn` on a node with a listing thread on its database, running; stops both after. */
async function withThread(fn: (thread: ListingThread, model: Model) => Promise<void>) {
  await withNode(async (node) => {
    const thread = threadOf(node.model, metadataDbPath(node.config));
    try {
      await thread.whenRunning();
      await fn(thread, node.model);
    } finally {
      thread.stop();
    }
  });
}

/** Waits until `ok()` holds, for at most five seconds. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert(ok(), "timed out");
}

Deno.test("the listing thread reads the pages the main thread reads", async () => {
  await withThread(async (thread, model) => {
    await model.objects.insertMany([
      ...["a/1", "a/2", "a/b/3", "b", "c d", "é/ü", "line\nbreak", "z".repeat(1024)].map((k) =>
        object(k)
      ),
      object("sum", { checksum: { alg: "CRC32C", value: "AAAAAA==" } }),
      deleted("a/gone"),
      deleted("gone"),
    ]);
    const here = new ObjectPages(model.objects);
    const asked: ListParams[] = [
      { prefix: "", max: 1000 },
      { prefix: "", max: 3 },
      { prefix: "", max: 2, after: "a/2" },
      { prefix: "", delimiter: "/", max: 1000 },
      { prefix: "a/", delimiter: "/", max: 1000 },
      { prefix: "", delimiter: "/", max: 1, after: "a/" },
      { prefix: "s", max: 1000 },
      { prefix: "zz", max: 0 },
    ];
    for (const p of asked) {
      const onThread = await thread.page(BUCKET, p);
      assertEquals(onThread, await here.page(BUCKET, p), JSON.stringify(p));
    }
    const all = await thread.page(BUCKET, { prefix: "", max: 1000 });
    assertEquals(all!.items.length, 9, "deleted objects are not listed");
    const sum = all!.items.find((i) => i.key === "sum");
    assertEquals(sum?.kind === "entry" && sum.entry.checksumAlg, "CRC32C");
  });
});

Deno.test("a write acknowledged before a page is asked for is in it", async () => {
  await withThread(async (thread, model) => {
    for (let i = 0; i < 20; i++) {
      const key = `k-${String(i).padStart(2, "0")}`;
      await model.objects.insertMany([object(key)]);
      const page = await thread.page(BUCKET, { prefix: "", max: 1000 });
      assertEquals(page!.items.map((i) => i.key).at(-1), key);
      assertEquals(page!.items.length, i + 1);
    }
  });
});

Deno.test("a read that fails on the thread fails its page, and the thread reads on", async () => {
  await withThread(async (thread, model) => {
    await model.objects.insertMany([object("x")]);
    // A partition key too long for a Deno KV key: the read itself throws.
    await assertRejectsWith(
      () => thread.page("p".repeat(3000), { prefix: "", max: 10 })!,
      Error,
      "Key too large",
    );
    assertEquals((await thread.page(BUCKET, { prefix: "", max: 10 }))!.items.length, 1);
  });
});

Deno.test("the thread starts on the first listing, and stops when idle", async () => {
  await withNode(async (node) => {
    const { model } = node;
    await model.objects.insertMany([object("x")]);
    const thread = threadOf(model, metadataDbPath(node.config), 200);
    try {
      assertEquals(thread.state, "stopped");
      assertEquals(thread.page(BUCKET, { prefix: "", max: 10 }), undefined, "read here meanwhile");
      assertEquals(thread.state, "starting");
      await until(() => thread.state === "running");
      const page = await thread.page(BUCKET, { prefix: "", max: 10 });
      assertEquals(page!.items.map((i) => i.key), ["x"]);
      await until(() => thread.state === "stopped");
      assertEquals(thread.page(BUCKET, { prefix: "", max: 10 }), undefined);
      await thread.whenRunning();
      assertEquals((await thread.page(BUCKET, { prefix: "", max: 10 }))!.items.length, 1);
    } finally {
      thread.stop();
    }
  });
});

Deno.test("a thread that cannot open the database leaves listings to the main thread", async () => {
  await withNode(async ({ model }) => {
    const dir = await Deno.makeTempDir();
    const thread = threadOf(model, `${dir}/missing/db.sqlite`);
    try {
      await assertRejectsWith(() => thread.whenRunning(), Error, "the listing thread failed");
      assertEquals(thread.state, "failed");
      assertEquals(thread.page(BUCKET, { prefix: "", max: 10 }), undefined);
      assertEquals(thread.state, "failed", "not started again at once");
      const pages = new ObjectPages(model.objects, thread);
      await model.objects.insertMany([object("still-listed")]);
      const page = await pages.page(BUCKET, { prefix: "", max: 10 });
      assertEquals(page.items.map((i) => i.key), ["still-listed"]);
    } finally {
      thread.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("stopping the thread fails the pages it was reading, and it stays stopped", async () => {
  await withNode(async (node) => {
    const { model } = node;
    const thread = threadOf(model, metadataDbPath(node.config));
    await thread.whenRunning();
    const page = thread.page(BUCKET, { prefix: "", max: 10 })!;
    thread.stop();
    await assertRejectsWith(() => page, Error, "the node is stopping");
    assertEquals(thread.state, "stopped");
    assertEquals(thread.page(BUCKET, { prefix: "", max: 10 }), undefined);
    assertEquals(thread.state, "stopped", "not started again once the node stops");
  });
});
