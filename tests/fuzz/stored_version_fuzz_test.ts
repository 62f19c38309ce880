/**
 * Property-based tests of how object and history entries are stored
 * (server/model/tables/stored_version.ts): whatever a version's uuid and ETag look like, the
 * entry read back from its stored bytes is the entry written, a listing read straight from those
 * bytes shows what the entry shows, and entries stored before the compact form read the same.
 */
import fc from "fast-check";
import { listingOfBytes, listingOfEntry } from "../../server/model/listing/object_listing.ts";
import { type HistoryEntry, historySchema } from "../../server/model/tables/history.ts";
import {
  type ObjectEntry,
  objectSchema,
  type ObjectVersion,
} from "../../server/model/tables/object.ts";
import { decode, encode } from "../../server/util/msgpack.ts";
import { assertEquals } from "../assert.ts";
import { hexString, runs } from "./props.ts";

/** Hex of the compact lengths, lowercase or not, and strings that only look like it. */
const idLike = (n: number) =>
  fc.oneof(
    hexString(n),
    hexString(n).map((s) => s.toUpperCase()),
    hexString(n - 2),
    hexString(n + 2),
    hexString(n).map((s) => s.slice(0, -1) + "g"),
    hexString(n - 1).map((s) => s + "\u00e9"),
    hexString(n / 2).map((s) => `${s}-3`),
    fc.string({ maxLength: n + 4 }),
  );

const meta = fc.record({
  size: fc.nat(),
  etag: idLike(32),
  headers: fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }),
}).map((m) => ({ ...m }));

const state: fc.Arbitrary<ObjectVersion["state"]> = fc.oneof(
  fc.constant({ s: "uploading" as const }),
  fc.constant({ s: "aborted" as const }),
  fc.constant({ s: "complete" as const, data: { t: "delete" as const } }),
  meta.map((m) => ({ s: "complete" as const, data: { t: "blocks" as const, meta: m } })),
  fc.tuple(meta, fc.uint8Array({ maxLength: 64 })).map(([m, bytes]) => ({
    s: "complete" as const,
    data: { t: "inline" as const, meta: m, bytes },
  })),
);

const version: fc.Arbitrary<ObjectVersion> = fc.record({
  uuid: idLike(64),
  timestamp: fc.nat(),
  state,
  id: fc.option(hexString(32), { nil: undefined }),
}).map(({ id, ...v }) => id === undefined ? { ...v } : { ...v, id });

const entry: fc.Arbitrary<ObjectEntry> = fc.record({
  bucketId: hexString(64),
  key: fc.string({ minLength: 1 }),
  versions: fc.array(version, { maxLength: 4 }),
}).map((e) => ({ ...e }));

/** An entry as its table stores it, through the bytes. */
function roundTrip<E>(
  schema: { stored?(e: E): unknown; restored?(v: unknown, pk: string, sk: string): E },
  e: E,
  pk: string,
  sk: string,
): { bytes: Uint8Array; back: E } {
  const bytes = encode(schema.stored!(e));
  return { bytes, back: schema.restored!(decode(bytes), pk, sk) };
}

Deno.test("stored object entries read back as written, listings too", () => {
  fc.assert(
    fc.property(entry, (e) => {
      const { bytes, back } = roundTrip(objectSchema, e, e.bucketId, e.key);
      assertEquals(back, e);
      assertEquals(listingOfBytes(e.key, bytes), listingOfEntry(e));
    }),
    runs(500),
  );
});

Deno.test("stored history entries read back as written", () => {
  fc.assert(
    fc.property(entry, version, fc.boolean(), (e, v, purged) => {
      const h: HistoryEntry = {
        bucketId: e.bucketId,
        key: e.key,
        slot: v.id ?? "0".repeat(32),
        version: v,
        purged,
      };
      const sk = historySchema.sortKey(h);
      assertEquals(roundTrip(historySchema, h, h.bucketId, sk).back, h);
    }),
    runs(300),
  );
});

Deno.test("the compact form saves the hex of a uuid and a single-part ETag", () => {
  const v: ObjectVersion = {
    uuid: "ab".repeat(32),
    timestamp: 1,
    state: {
      s: "complete",
      data: { t: "blocks", meta: { size: 1, etag: "cd".repeat(16), headers: [] } },
    },
  };
  const e: ObjectEntry = { bucketId: "b", key: "k", versions: [v] };
  const plain = encode({ versions: [v] }).length;
  assertEquals(plain - roundTrip(objectSchema, e, "b", "k").bytes.length, 48);
});

Deno.test("entries stored before the compact form read the same", () => {
  fc.assert(
    fc.property(entry, (e) => {
      const { bucketId: _b, key: _k, ...old } = e;
      const bytes = encode(old);
      assertEquals(objectSchema.restored!(decode(bytes), e.bucketId, e.key), e);
      assertEquals(listingOfBytes(e.key, bytes), listingOfEntry(e));
    }),
    runs(300),
  );
});
