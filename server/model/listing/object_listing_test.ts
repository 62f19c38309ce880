import { assertEquals } from "../../../tests/assert.ts";
import { encode } from "../../util/msgpack.ts";
import type { ObjectEntry, ObjectMeta, ObjectVersion } from "../tables/object.ts";
import { listingOfBytes, listingOfEntry } from "./object_listing.ts";

const meta = (size: number, extra: Partial<ObjectMeta> = {}): ObjectMeta => ({
  size,
  etag: `etag-${size}`,
  headers: [["content-type", "text/plain"], ["x-amz-meta-é", "ü"]],
  ...extra,
});

const version = (timestamp: number, state: ObjectVersion["state"]): ObjectVersion => ({
  uuid: "u".repeat(64) + timestamp,
  timestamp,
  state,
});

const CASES: Record<string, ObjectVersion[]> = {
  "inline object": [version(1, {
    s: "complete",
    data: { t: "inline", meta: meta(3), bytes: new Uint8Array([1, 2, 3]) },
  })],
  "multipart object with a checksum": [version(2 ** 41, {
    s: "complete",
    data: {
      t: "blocks",
      meta: meta(70_000_000, {
        parts: 3,
        checksum: { alg: "CRC32", value: "x", type: "COMPOSITE" },
      }),
    },
  })],
  "undefined optional fields": [version(5, {
    s: "complete",
    data: { t: "blocks", meta: meta(9, { checksum: undefined, parts: undefined }) },
  })],
  "delete marker": [version(7, { s: "complete", data: { t: "delete" } })],
  "upload in progress over a complete version": [
    version(1, { s: "complete", data: { t: "blocks", meta: meta(10) } }),
    version(2, { s: "uploading" }),
    version(3, { s: "aborted" }),
  ],
  "only an upload": [version(4, { s: "uploading" })],
  "no versions": [],
};

Deno.test("object listing: read from the bytes as from the decoded entry", () => {
  for (const [name, versions] of Object.entries(CASES)) {
    const entry: ObjectEntry = { bucketId: "b".repeat(64), key: "dir/é", versions };
    assertEquals(listingOfBytes(entry.key, encode(entry)), listingOfEntry(entry), name);
  }
});
