import { assert, assertEquals } from "../../../tests/assert.ts";
import {
  mergeObjects,
  movedPast,
  type ObjectEntry,
  objectSchema,
  type ObjectVersion,
  RELEASE_REPLACED,
  RELEASE_VERSION,
  visibleVersion,
} from "./object.ts";

const meta = { size: 1, etag: "e", headers: [] as Array<[string, string]> };
const complete = (uuid: string, timestamp: number): ObjectVersion => ({
  uuid,
  timestamp,
  state: { s: "complete", data: { t: "blocks", meta } },
});
const uploading = (uuid: string, timestamp: number): ObjectVersion => ({
  uuid,
  timestamp,
  state: { s: "uploading" },
});
const aborted = (uuid: string, timestamp: number): ObjectVersion => ({
  uuid,
  timestamp,
  state: { s: "aborted" },
});
const entry = (...versions: ObjectVersion[]): ObjectEntry => ({
  bucketId: "b",
  key: "k",
  versions,
});

Deno.test("object merge is commutative, associative and idempotent", () => {
  const a = entry(uploading("u1", 10));
  const b = entry(complete("u1", 10));
  const c = entry(complete("u2", 20), uploading("u3", 30));
  const all = [a, b, c];
  const results = new Set<string>();
  for (const x of all) {
    for (const y of all) {
      for (const z of all) {
        if (new Set([x, y, z]).size < 3) continue;
        results.add(JSON.stringify(mergeObjects(mergeObjects(x, y), z)));
        results.add(JSON.stringify(mergeObjects(x, mergeObjects(y, z))));
      }
    }
  }
  assertEquals(results.size, 1);
  assertEquals(mergeObjects(c, c), c);
});

Deno.test("only the newest complete version and newer ones are kept", () => {
  const m = mergeObjects(
    entry(complete("old", 10), uploading("pending", 15)),
    entry(complete("new", 20), uploading("later", 30)),
  );
  assertEquals(m.versions.map((v) => v.uuid), ["new", "later"]);
  assertEquals(visibleVersion(m)?.uuid, "new");
});
Deno.test("an upload completing after a newer write wins: the last to complete is visible", () => {
  const started = entry(complete("v0", 5), uploading("slow", 10));
  const quick = mergeObjects(started, entry(complete("quick", 20)));
  assertEquals(visibleVersion(quick)?.uuid, "quick");
  assertEquals(objectSchema.updated!(started, quick).queue, [{
    kind: RELEASE_REPLACED,
    payload: { bucketId: "b", key: "k", uuid: "v0", timestamp: 5 },
  }], "the upload pushed out keeps its blocks");
  const done = mergeObjects(quick, entry(complete("slow", 30)));
  assertEquals(visibleVersion(done)?.uuid, "slow");
  assertEquals(done.versions.map((v) => [v.uuid, v.timestamp]), [["slow", 30]]);
  assertEquals(objectSchema.updated!(quick, done).queue, [{
    kind: RELEASE_REPLACED,
    payload: { bucketId: "b", key: "k", uuid: "quick", timestamp: 20 },
  }]);
});

Deno.test("aborted wins over complete and uploading for the same version", () => {
  assertEquals(
    mergeObjects(entry(complete("v", 1)), entry(aborted("v", 1))).versions[0].state.s,
    "aborted",
  );
  assertEquals(
    mergeObjects(entry(aborted("v", 1)), entry(uploading("v", 1))).versions[0].state.s,
    "aborted",
  );
});

Deno.test("a delete marker hides the object and makes a tombstone", () => {
  const del: ObjectVersion = {
    uuid: "d",
    timestamp: 20,
    state: { s: "complete", data: { t: "delete" } },
  };
  const m = mergeObjects(entry(complete("v", 10)), entry(del));
  assertEquals(visibleVersion(m), undefined);
  assertEquals(objectSchema.isTombstone(m), true);
});

Deno.test("versions that lose their place release their blocks through the queue", () => {
  const old = entry(complete("v1", 10));
  const now = mergeObjects(old, entry(complete("v2", 20)));
  const fx = objectSchema.updated!(old, now);
  // A replaced version waits for its replacement to be on a quorum (model.releaseReplaced).
  assertEquals(fx.queue, [{
    kind: RELEASE_REPLACED,
    payload: { bucketId: "b", key: "k", uuid: "v1", timestamp: 10 },
  }]);
  assert(movedPast(now, { uuid: "v1", timestamp: 10 }), "v2 is later than v1");
  assert(!movedPast(old, { uuid: "v1", timestamp: 10 }), "v1 is where it was");
  assert(!movedPast(undefined, { uuid: "v1", timestamp: 10 }), "a replica without the key");
  const ab = objectSchema.updated!(entry(uploading("u", 5)), entry(aborted("u", 5)));
  assertEquals(ab.queue, [{ kind: RELEASE_VERSION, payload: "u" }]);
});
