/**
 * Listing pages on a real node of one: each page's successor is read ahead, never stale, whether
 * pages are read on the main thread or on a listing thread.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import { metadataDbPath } from "../../util/config.ts";
import type { ListParams } from "./listing.ts";
import { ListingThread } from "./listing_thread.ts";
import type { Model } from "../model.ts";
import type { ObjectEntry, VersionData } from "../tables/object.ts";
import { ObjectPages } from "./object_pages.ts";
import { withNode } from "../testing.ts";
import type { RemiseNode } from "../../node.ts";

const BUCKET = "b".repeat(64);
const keyName = (i: number) => `obj-${String(i).padStart(4, "0")}`;
let clock = 1;

function entry(key: string, data: VersionData): ObjectEntry {
  const timestamp = clock++;
  return {
    bucketId: BUCKET,
    key,
    versions: [{ uuid: crypto.randomUUID(), timestamp, state: { s: "complete", data } }],
  };
}

const object = (key: string, size = 1) =>
  entry(key, {
    t: "inline",
    meta: { size, etag: `etag-${size}`, headers: [] },
    bytes: new Uint8Array(size),
  });

async function fill(model: Model, n: number) {
  const all = Array.from({ length: n }, (_, i) => object(keyName(i)));
  for (let i = 0; i < n; i += 500) await model.objects.insertMany(all.slice(i, i + 500));
}

/**
 * Object pages read one way, with a hook on each page read: it sees the marker the read starts
 * after, and may fail the read.
 */
interface Setup {
  pages: ObjectPages;
  onRead(hook: (after: string | undefined) => Error | undefined): void;
}

const ways: Record<string, (model: Model, node: RemiseNode) => Promise<Setup>> = {
  "on the main thread": (model) => {
    const objects = model.objects;
    const rangeView = objects.rangeView.bind(objects);
    return Promise.resolve({
      pages: new ObjectPages(objects),
      onRead(hook) {
        objects.rangeView = (pk, q, view) => {
          const error = hook(q.start?.slice(0, -1));
          return error ? Promise.reject(error) : rangeView(pk, q, view);
        };
      },
    });
  },
  "on a listing thread": async (model, node) => {
    const thread = new ListingThread(metadataDbPath(node.config), model.objects.schema.name);
    await thread.whenRunning();
    const page = thread.page.bind(thread);
    return {
      pages: new ObjectPages(model.objects, thread),
      onRead(hook) {
        thread.page = (pk: string, p: ListParams) => {
          const error = hook(p.after);
          return error ? Promise.reject(error) : page(pk, p);
        };
      },
    };
  },
};

/** Runs `fn` once per way of reading pages, each on a node of its own. */
function testEachWay(name: string, fn: (model: Model, s: Setup) => Promise<void>) {
  for (const [way, setup] of Object.entries(ways)) {
    Deno.test(`${name} (${way})`, async () => {
      await withNode(async (node) => {
        const s = await setup(node.model, node);
        try {
          await fn(node.model, s);
        } finally {
          s.pages.stop();
        }
      });
    });
  }
}

const keysOf = (r: { items: { key: string }[] }) => r.items.map((i) => i.key);

testEachWay(
  "a walk reads each page while the client is busy with the one before",
  async (model, s) => {
    await fill(model, 2500);
    let read = 0;
    s.onRead(() => {
      read++;
      return undefined;
    });
    const reads = () => read;
    const pages = s.pages;
    const p1 = await pages.page(BUCKET, { prefix: "", max: 1000 });
    assertEquals(p1.items.length, 1000);
    assertEquals(pages.held, 1);
    const afterFirst = reads();
    const p2 = await pages.page(BUCKET, { prefix: "", max: 1000, after: keyName(999) });
    assertEquals(keysOf(p2), Array.from({ length: 1000 }, (_, i) => keyName(1000 + i)));
    // Page 2 came from the read ahead; the only new reads are page 3's, read ahead in turn.
    const p3Reads = reads() - afterFirst;
    const p3 = await pages.page(BUCKET, { prefix: "", max: 1000, after: keyName(1999) });
    assertEquals(p3.items.length, 500);
    assertEquals(p3.truncated, false);
    assertEquals(reads() - afterFirst, p3Reads, "page 3 was not read again");
    assertEquals(pages.held, 0, "nothing is read after the last page");
  },
);

testEachWay(
  "a page read ahead is not answered once a write reached the bucket",
  async (model, s) => {
    await fill(model, 1500);
    const pages = s.pages;
    await pages.page(BUCKET, { prefix: "", max: 1000 });
    assertEquals(pages.held, 1);
    // Acknowledged after page 2 was read ahead: the next page must show both.
    await model.objects.insertMany([
      object(keyName(1200) + "-new"),
      entry(keyName(1300), { t: "delete" }),
    ]);
    const p2 = await pages.page(BUCKET, { prefix: "", max: 1000, after: keyName(999) });
    const keys = keysOf(p2);
    assert(keys.includes(keyName(1200) + "-new"), "the new object is listed");
    assert(!keys.includes(keyName(1300)), "the deleted object is not");
    assertEquals(keys.length, 500);
  },
);

testEachWay("pages read ahead follow the parameters they were asked with", async (model, s) => {
  await fill(model, 12);
  const pages = s.pages;
  const first = await pages.page(BUCKET, { prefix: "obj-00", max: 4, delimiter: "1" });
  assertEquals(keysOf(first), ["obj-0000", "obj-0001", "obj-0002", "obj-0003"]);
  // Another walk's parameters from the same marker are not answered by it.
  const other = await pages.page(BUCKET, { prefix: "obj-00", max: 2, after: "obj-0003" });
  assertEquals(keysOf(other), ["obj-0004", "obj-0005"]);
  const second = await pages.page(BUCKET, {
    prefix: "obj-00",
    max: 4,
    delimiter: "1",
    after: "obj-0003",
  });
  assertEquals(keysOf(second), ["obj-0004", "obj-0005", "obj-0006", "obj-0007"]);
  const third = await pages.page(BUCKET, {
    prefix: "obj-00",
    max: 4,
    delimiter: "1",
    after: "obj-0007",
  });
  assertEquals(keysOf(third), ["obj-0008", "obj-0009", "obj-001"]);
  assertEquals(third.truncated, false);
});

testEachWay("a page whose read ahead failed is read again when asked for", async (model, s) => {
  await fill(model, 1500);
  let failed = 0;
  s.onRead((after) =>
    after === keyName(999) && failed++ === 0 ? new Error("database gone") : undefined
  );
  const pages = s.pages;
  await pages.page(BUCKET, { prefix: "", max: 1000 });
  const p2 = await pages.page(BUCKET, { prefix: "", max: 1000, after: keyName(999) });
  assertEquals(failed, 2, "read ahead, failed, then read again");
  assertEquals(keysOf(p2), Array.from({ length: 500 }, (_, i) => keyName(1000 + i)));
});
