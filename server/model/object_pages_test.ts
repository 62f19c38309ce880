/** Listing pages on a real node of one: each page's successor is read ahead, never stale. */
import { assert, assertEquals } from "../../tests/assert.ts";
import type { Model } from "./model.ts";
import type { ObjectEntry, VersionData } from "./object.ts";
import { withNode } from "./testing.ts";

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

/** Counts the table reads that listings make. */
function countReads(model: Model): () => number {
  const objects = model.objects;
  const rangeView = objects.rangeView.bind(objects);
  let reads = 0;
  objects.rangeView = (...args) => {
    reads++;
    return rangeView(...args);
  };
  return () => reads;
}

const keysOf = (r: { items: { key: string }[] }) => r.items.map((i) => i.key);

Deno.test("a walk reads each page while the client is busy with the one before", async () => {
  await withNode(async ({ model }) => {
    await fill(model, 2500);
    const reads = countReads(model);
    const pages = model.objectPages;
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
  });
});

Deno.test("a page read ahead is not answered once a write reached the bucket", async () => {
  await withNode(async ({ model }) => {
    await fill(model, 1500);
    const pages = model.objectPages;
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
  });
});

Deno.test("pages read ahead follow the parameters they were asked with", async () => {
  await withNode(async ({ model }) => {
    await fill(model, 12);
    const pages = model.objectPages;
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
});

Deno.test("a page whose read ahead failed is read again when asked for", async () => {
  await withNode(async ({ model }) => {
    await fill(model, 1500);
    const objects = model.objects;
    const rangeView = objects.rangeView.bind(objects);
    const secondPage = keyName(999) + "\u0000";
    let failed = 0;
    objects.rangeView = (pk, q, view) => {
      if (q.start === secondPage && failed++ === 0) {
        return Promise.reject(new Error("database gone"));
      }
      return rangeView(pk, q, view);
    };
    const pages = model.objectPages;
    await pages.page(BUCKET, { prefix: "", max: 1000 });
    const p2 = await pages.page(BUCKET, { prefix: "", max: 1000, after: keyName(999) });
    assertEquals(failed, 2, "read ahead, failed, then read again");
    assertEquals(keysOf(p2), Array.from({ length: 500 }, (_, i) => keyName(1000 + i)));
  });
});
