import { assertEquals } from "../../tests/assert.ts";
import type { TableSchema } from "./schema.ts";
import { decode, encode } from "../util/msgpack.ts";
import { LocalStore } from "./store.ts";

interface Row {
  pk: string;
  sk: string;
  v: number;
}

const schema: TableSchema<Row> = {
  name: "rows",
  replication: "sharded",
  cacheBytes: 1 << 20,
  partitionKey: (e) => e.pk,
  sortKey: (e) => e.sk,
  merge: (a, b) => (b.v > a.v ? b : a),
  isTombstone: () => false,
};

const sk = (i: number) => `k${String(i).padStart(5, "0")}`;

Deno.test("local store: range scans cross read batches in order, both ways", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new LocalStore(kv, schema);
    const rows = Array.from({ length: 1234 }, (_, i) => ({ pk: "p", sk: sk(i), v: i }));
    for (let i = 0; i < rows.length; i += 60) await store.apply(rows.slice(i, i + 60));
    await store.apply([{ pk: "other", sk: sk(0), v: 0 }]);
    const got = (q: Parameters<typeof store.range>[1]) =>
      store.range("p", q).then((r) => r.map((e) => e.v));
    const span = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i);
    assertEquals(await got({}), span(0, 1234));
    assertEquals(await got({ limit: 1100 }), span(0, 1100));
    assertEquals(await got({ start: sk(100), end: sk(1150) }), span(100, 1150));
    assertEquals(await got({ start: sk(1200), limit: 1000 }), span(1200, 1234));
    assertEquals(await got({ reverse: true, limit: 700 }), span(534, 1234).reverse());
    assertEquals(await got({ limit: 0 }), []);
  } finally {
    kv.close();
  }
});

Deno.test("local store: cached reads and checked writes see every merge", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new LocalStore(kv, schema);
    await store.apply([{ pk: "p", sk: "a", v: 1 }]);
    assertEquals((await store.get("p", "a"))?.v, 1);
    await Promise.all([2, 5, 3].map((v) => store.apply([{ pk: "p", sk: "a", v }])));
    assertEquals((await store.get("p", "a"))?.v, 5);
    // A fresh store over the same KV (as after a restart) reads what was committed.
    assertEquals((await new LocalStore(kv, schema).get("p", "a"))?.v, 5);
    assertEquals(await store.get("p", "missing"), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("local store: what the KV key holds is not stored again, and comes back on read", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const lean: TableSchema<Row> = {
      ...schema,
      stored: ({ pk: _pk, sk: _sk, ...rest }) => rest,
      restored: (v, pk, sk) => ({ pk, sk, ...(v as { v: number }) }),
    };
    const store = new LocalStore(kv, lean);
    await store.apply([{ pk: "p", sk: "a", v: 1 }, { pk: "p", sk: "b", v: 2 }]);
    await store.apply([{ pk: "p", sk: "a", v: 3 }]);
    const raw = await kv.get<Uint8Array>(store.keyOf("p", "a"));
    assertEquals(decode(raw.value!), { v: 3 });
    assertEquals(await new LocalStore(kv, lean).get("p", "a"), { pk: "p", sk: "a", v: 3 });
    assertEquals(await store.range("p", {}), [{ pk: "p", sk: "a", v: 3 }, {
      pk: "p",
      sk: "b",
      v: 2,
    }]);
    // An entry stored whole (before the schema left its keys out) still reads.
    await kv.set(store.keyOf("p", "c"), encode({ pk: "p", sk: "c", v: 7 }));
    assertEquals(await new LocalStore(kv, lean).get("p", "c"), { pk: "p", sk: "c", v: 7 });
  } finally {
    kv.close();
  }
});

Deno.test("local store: writes of long keys are split to fit Deno KV's 80 KiB of keys per commit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // Shaped as the object table: writes count into their bucket's statistics, bucket ids are
    // 64 characters, and S3 allows 1 KiB object keys. 64 such writes outgrow one commit's keys.
    const objects: TableSchema<Row> = {
      ...schema,
      name: "object",
      updated: (_, now) => ({
        sums: [[["bucket_stat", now.pk, "objects"], 1n], [["bucket_stat", now.pk, "bytes"], 1n]],
      }),
    };
    const store = new LocalStore(kv, objects);
    const pk = "b".repeat(64);
    await store.apply(
      Array.from({ length: 64 }, (_, i) => ({ pk, sk: sk(i).padEnd(1024, "x"), v: i })),
    );
    assertEquals((await store.range(pk, {})).length, 64);
    assertEquals((await kv.get(["bucket_stat", pk, "objects"])).value, new Deno.KvU64(64n));
  } finally {
    kv.close();
  }
});

Deno.test("local store: the counters of a commit's entries add up, removals included", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // Each entry counts its value into one counter, and takes one from another: 2^64 - 1
    // is minus one, as the object table's counters are kept.
    const counted: TableSchema<Row> = {
      ...schema,
      updated: (old, now) => ({
        sums: [
          [["total", now.pk], BigInt(now.v - (old?.v ?? 0))],
          [["taken", now.pk], (1n << 64n) - 1n],
        ],
      }),
    };
    const store = new LocalStore(kv, counted);
    await kv.set(["taken", "p"], new Deno.KvU64(100n));
    // Written at once, so that the group commit takes them together.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.apply([{ pk: "p", sk: sk(i), v: i + 1 }])),
    );
    assertEquals((await kv.get(["total", "p"])).value, new Deno.KvU64(820n));
    assertEquals((await kv.get(["taken", "p"])).value, new Deno.KvU64(60n));
    // An entry whose merge changes nothing counts for nothing.
    await store.apply([
      { pk: "p", sk: sk(0), v: 5 },
      { pk: "p", sk: sk(1), v: 1 },
      { pk: "p", sk: sk(50), v: 3 },
    ]);
    assertEquals((await kv.get(["total", "p"])).value, new Deno.KvU64(827n));
    assertEquals((await kv.get(["taken", "p"])).value, new Deno.KvU64(58n));
  } finally {
    kv.close();
  }
});

/** Rows whose every write hands a copy over to a linked store (as pushed-out versions are). */
interface Doc {
  pk: string;
  sk: string;
  body: string;
}

const docSchema = (name: string): TableSchema<Doc> => ({
  name,
  replication: "sharded",
  partitionKey: (e) => e.pk,
  sortKey: (e) => e.sk,
  merge: (a, b) => (b.body > a.body ? b : a),
  isTombstone: () => false,
  updated: (_old, now) => ({ queue: [{ kind: "copy", payload: now }] }),
});

function linkedPair(kv: Deno.Kv) {
  const source = new LocalStore(kv, docSchema("source"));
  const copies = new LocalStore(kv, { ...docSchema("copies"), updated: undefined });
  source.linked = { kind: "copy", store: copies as LocalStore<unknown>, adopt: (p) => p };
  const queued = async () => {
    let n = 0;
    for await (const _ of kv.list({ prefix: ["q"] })) n++;
    return n;
  };
  return { source, copies, queued };
}

Deno.test("local store: handed-over work is written in the same commit while it fits", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const { source, copies, queued } = linkedPair(kv);
    const docs = Array.from({ length: 40 }, (_, i) => ({ pk: "p", sk: sk(i), body: "x" }));
    await source.apply(docs);
    assertEquals((await copies.range("p", {})).length, 40);
    assertEquals(await queued(), 0);
  } finally {
    kv.close();
  }
});

Deno.test("local store: a batch whose handed-over work would not fit one commit is split", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const { source, copies, queued } = linkedPair(kv);
    // 50 entries of 10 KB: one batch of ~500 KB, whose copies would take a commit past 800 KB.
    const body = "y".repeat(10_000);
    const docs = Array.from({ length: 50 }, (_, i) => ({ pk: "p", sk: sk(i), body }));
    await source.apply(docs);
    assertEquals((await source.range("p", {})).length, 50);
    assertEquals((await copies.range("p", {})).length, 50);
    assertEquals(await queued(), 0);
  } finally {
    kv.close();
  }
});
