/**
 * A node just given a role has not yet received the keys and buckets: until it has, it answers
 * "not ready" (503 with Retry-After, which clients retry), never a wrong "no such key" or "no
 * such bucket".
 */
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import {
  allUp,
  CLUSTER_TOML,
  eventually,
  nodeIdentity,
  s3Client,
  startCluster,
  stopAll,
} from "../cluster.ts";
import { startNode } from "../harness.ts";
import { presign } from "../sigv4.ts";

Deno.test("a node just given a role answers 503, not 403 or 404, until its tables are in", async () => {
  const nodes = await startCluster({ zones: ["a", "b"], replicationFactor: 2 });
  const joiner = await nodeIdentity(
    await startNode({ autoLayout: false, replicationFactor: 2, extraToml: CLUSTER_TOML }),
  );
  try {
    const key = await nodes[0].createKey("early");
    const s3 = s3Client(nodes[0], key);
    await s3.send(new CreateBucketCommand({ Bucket: "early" }));
    await s3.send(new PutObjectCommand({ Bucket: "early", Key: "obj", Body: "here" }));
    s3.destroy();
    await nodes[0].api("POST", "/v2/ConnectClusterNodes", [joiner.peerAddress]);
    await allUp(nodes[0], 3);
    await nodes[0].api("POST", "/v2/UpdateClusterLayout", {
      roles: [{ id: joiner.id, zone: "c", capacity: 1e9, tags: [] }],
    });
    await nodes[0].api("POST", "/v2/ApplyClusterLayout", { version: 2 });
    // From the moment the joiner has the role, every answer is the object or "not ready".
    await eventually(
      "the joiner has its role",
      () => joiner.api<{ layoutVersion: number }>("GET", "/v2/GetClusterStatus"),
      (s) => s.layoutVersion >= 2,
    );
    const seen = new Map<string, number>();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(presign("GET", `${joiner.s3}/early/obj`, key, joiner.region));
      const body = await res.text();
      const code = /<Code>([^<]+)</.exec(body)?.[1] ?? "";
      seen.set(`${res.status} ${code}`, (seen.get(`${res.status} ${code}`) ?? 0) + 1);
      if (res.status === 503) assertEquals(res.headers.get("retry-after"), "1");
      else {
        assertEquals([res.status, body], [200, "here"], `answers so far: ${[...seen]}`);
        break;
      }
      assert(Date.now() < deadline, `never served: ${[...seen]}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log("answers from the joiner:", Object.fromEntries(seen));
  } finally {
    await stopAll([...nodes, joiner]);
  }
});
