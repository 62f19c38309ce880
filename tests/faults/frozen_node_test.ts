/**
 * One replica frozen (SIGSTOP) must not stall writes on the healthy nodes: a block leaves the
 * shared write budget once the write quorum has it, and a replica that stops answering is not
 * sent more than a bounded amount. Pings are Garage's defaults here (10 s), so the frozen node
 * is not yet shown down while it is measured, as in a real cluster.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { content, eventually, s3Client, startCluster, stopAll } from "../cluster.ts";
import { bodyBytes } from "../s3/client.ts";

const SIZE = 100 * 1024;
const WINDOW_MS = 6000;
const WRITERS = 4;

Deno.test("a frozen replica leaves the healthy nodes at least half their write throughput", async () => {
  const nodes = await startCluster({
    zones: ["a", "b", "c"],
    replicationFactor: 3,
    clusterToml: "rpc_ping_interval_msec = 10000\nrpc_ping_timeout_msec = 10000",
  });
  const frozen = nodes[2];
  let stopped = false;
  try {
    const key = await nodes[0].createKey("writer");
    const clients = [s3Client(nodes[0], key), s3Client(nodes[1], key)];
    await clients[0].send(new CreateBucketCommand({ Bucket: "frozen" }));
    // Buckets and keys reach every node through the fully replicated tables, a moment later.
    await eventually(
      "the bucket known to the second writer's node",
      () => clients[1].send(new HeadBucketCommand({ Bucket: "frozen" })),
      () => true,
    );
    const acked: string[] = [];
    /** PUTs acknowledged in a window by writers spread over the healthy nodes. */
    const writeFor = async (phase: string) => {
      const end = Date.now() + WINDOW_MS;
      let n = 0;
      await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; Date.now() < end; i++) {
          const name = `${phase}-${w}-${i}`;
          await clients[w % 2].send(
            new PutObjectCommand({ Bucket: "frozen", Key: name, Body: content(name, SIZE) }),
          );
          acked.push(name);
          n++;
        }
      }));
      return n / (WINDOW_MS / 1000);
    };
    const up = await writeFor("up");
    frozen.process.kill("SIGSTOP");
    stopped = true;
    const withFrozen = await writeFor("frozen");
    frozen.process.kill("SIGCONT");
    stopped = false;
    console.log(`PUT 100 KiB: ${up.toFixed(1)}/s all up, ${withFrozen.toFixed(1)}/s one frozen`);
    assert(
      withFrozen >= up / 2,
      `${withFrozen.toFixed(1)}/s with a frozen node, ${up.toFixed(1)}/s without`,
    );
    // Every acknowledged write reads back, through the node that was frozen too.
    const reader = s3Client(frozen, key);
    for (const name of acked) {
      const got = await reader.send(new GetObjectCommand({ Bucket: "frozen", Key: name }));
      assertEquals(await bodyBytes(got.Body), content(name, SIZE), name);
    }
    reader.destroy();
    for (const c of clients) c.destroy();
  } finally {
    if (stopped) frozen.process.kill("SIGCONT");
    await stopAll(nodes);
  }
});
