/**
 * Keys, buckets and permissions live in full tables, read locally on every node: a change made
 * through one node is there on the other nodes that are up when the change is answered, and a
 * node that does not answer delays it only briefly.
 */
import { assert, assertEquals } from "../../../tests/assert.ts";
import type { RemiseNode } from "../../node.ts";
import { adminPost as admin, withCluster } from "../testing.ts";
import { getKey, permissionOf } from "./bucket_ops.ts";

/** Makes `node` take `ms` (or for ever) before merging any table write sent to it. */
function slowWrites(node: RemiseNode, ms: number | "never"): () => void {
  const rpc = node.sys.rpc;
  const handle = rpc.handle;
  rpc.handle = (endpoint, msg, from) => {
    if (!/^table\/.*\/update/.test(endpoint)) return handle.call(rpc, endpoint, msg, from);
    if (ms === "never") return new Promise(() => {});
    return new Promise((r) => setTimeout(r, ms)).then(() => handle.call(rpc, endpoint, msg, from));
  };
  return () => rpc.handle = handle;
}

Deno.test("a key allowed on a bucket through one node is allowed on every node that is up", async () => {
  await withCluster(3, [], async (nodes) => {
    const bucket = await admin<{ id: string }>(nodes[0], "/v2/CreateBucket", {
      globalAlias: "everywhere",
    });
    const key = await admin<{ accessKeyId: string }>(nodes[0], "/v2/CreateKey", { name: "k" });
    const restore = slowWrites(nodes[2], 300);
    try {
      await admin(nodes[0], "/v2/AllowBucketKey", {
        bucketId: bucket.id,
        accessKeyId: key.accessKeyId,
        permissions: { read: true, write: true, owner: false },
      });
      for (const n of nodes) {
        const k = getKey(n.model, key.accessKeyId);
        assert(k, "the key is known");
        assertEquals(permissionOf(k, bucket.id), { read: true, write: true, owner: false });
      }
    } finally {
      restore();
    }
  });
});

Deno.test("a node that never answers delays a key's change by two seconds at most", async () => {
  await withCluster(3, [], async (nodes) => {
    const restore = slowWrites(nodes[2], "never");
    try {
      const t = performance.now();
      const key = await admin<{ accessKeyId: string }>(nodes[0], "/v2/CreateKey", {
        name: "late",
      });
      const took = performance.now() - t;
      assert(took >= 1900 && took < 4000, `answered in ${took.toFixed(0)} ms`);
      assert(getKey(nodes[1].model, key.accessKeyId), "the quorum holds it");
    } finally {
      restore();
    }
  });
});
