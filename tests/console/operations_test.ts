/**
 * The operations and cluster screens in Chromium on a 3-node cluster: a scrub launched on
 * every node and its workers shown; blocks a node lost while its peers were down listed as
 * failing, retried from the page once the peers are back, and repaired.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type {
  GetBucketInfoResponse,
  ListBlockErrorsResponse,
  ListWorkersResponse,
} from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  allUp,
  blockFiles,
  CLUSTER_TOML,
  content,
  eventually,
  nodeIdentity,
  s3Client,
} from "../cluster.ts";
import { startNode } from "../harness.ts";
import { consoleTest } from "./session.ts";

consoleTest(
  "console operations: scrub with progress, block errors retried, cluster disks",
  async (s) => {
    const { page, node, nodes } = s;
    await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
      globalAlias: "ops",
    });
    const key = await node.createKey("ops");
    const info = await node.api<GetBucketInfoResponse>(
      "GET",
      "/v2/GetBucketInfo?globalAlias=ops",
    );
    await node.api("POST", "/v2/AllowBucketKey", {
      bucketId: info.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true },
    });
    const s3 = s3Client(node, key);
    for (let i = 0; i < 6; i++) {
      await s3.send(
        new PutObjectCommand({
          Bucket: "ops",
          Key: `o${i}`,
          Body: content(`o${i}`, 20_000),
        }),
      );
    }
    s3.destroy();

    // The cluster screen: disks as meters, the verdict, every node up.
    await s.open("#/cluster");
    await page.getByRole("heading", { level: 2, name: "Healthy" }).waitFor();
    assertEquals(
      await page.getByRole("meter", { name: /^Data disk: \d+% used$/ }).count(),
      3,
    );
    await s.shots("console-cluster-nodes");

    // A scrub on every node: each reports it, and the workers show it.
    await s.open("#/operations");
    await page.getByLabel("Operation", { exact: true }).selectOption(
      "scrub-start",
    );
    await page.getByText("It reads every block").waitFor();
    await page.getByRole("button", { name: "Launch" }).click();
    await page.getByRole("status").filter({
      hasText: "Start a scrub: launched on 3 nodes",
    })
      .waitFor();
    await eventually(
      "every scrub completed",
      () => node.api<ListWorkersResponse>("POST", "/v2/ListWorkers?node=*", {}),
      (r) =>
        Object.values(r.success).length === 3 &&
        Object.values(r.success).every((ws) =>
          ws.some((w) => w.name === "block scrub" && !/never/.test(w.freeform[1] ?? "never"))
        ),
    );
    await page.getByRole("button", { name: "Refresh" }).click();
    // The last result of each scrub is in plain view, not behind a "details" toggle.
    const scrubs = page.getByRole("cell", { name: /^block scrub corrupt blocks found: 0/ });
    assertEquals(await scrubs.count(), 3);
    assertMatch(await scrubs.first().innerText(), /last completed: \d{4}-/);
    // A worker with nothing to do says so.
    await page.getByText("at rest: nothing to do").first().waitFor();

    // Node 0 loses its blocks while its two peers are down: it cannot fetch them again.
    const lost = await blockFiles(`${node.dir}/data`);
    assertEquals(lost.length, 6);
    await Promise.all([nodes[1].kill(), nodes[2].kill()]);
    for (const f of lost) await Deno.remove(f);
    await page.getByLabel("Operation", { exact: true }).selectOption("blocks");
    await page.getByLabel("On", { exact: true }).selectOption(node.id);
    await page.getByRole("button", { name: "Launch" }).click();
    const failing = page.getByRole("heading", {
      level: 3,
      name: /6 blocks failing to sync/,
    });
    await failing.waitFor({ timeout: 30_000 });
    await page.getByRole("alert").filter({ hasText: "did not answer" }).first()
      .waitFor();
    const errors = await node.api<ListBlockErrorsResponse>(
      "GET",
      "/v2/ListBlockErrors?node=self",
    );
    const listed = Object.values(errors.success)[0];
    assertEquals(listed.length, 6);
    assert(listed.every((e) => e.errorCount >= 1), JSON.stringify(listed));
    await s.shots("console-operations");

    // A retry asked while the peers are still down is taken, fails again, and stays listed.
    await page.getByRole("row").filter({
      hasText: listed[0].blockHash.slice(0, 16),
    })
      .getByRole("button", { name: "Retry now" }).click();
    await page.getByRole("status").filter({
      hasText: /^1 block queued for a retry now\.$/,
    })
      .waitFor();
    await eventually(
      "the retried block failing again",
      () =>
        node.api<ListBlockErrorsResponse>(
          "GET",
          "/v2/ListBlockErrors?node=self",
        ),
      (r) =>
        Object.values(r.success)[0].find((e) => e.blockHash === listed[0].blockHash)!
          .errorCount >= 2,
    );

    // The peers come back: the node fetches what it lost, with no command.
    for (const i of [1, 2]) {
      nodes[i] = await nodeIdentity(
        await startNode({
          dir: nodes[i].dir,
          autoLayout: false,
          replicationFactor: 3,
          extraToml: CLUSTER_TOML,
        }),
      );
    }
    await allUp(node, 3);
    await eventually(
      "the lost blocks fetched again",
      () => blockFiles(`${node.dir}/data`),
      (f) => f.length === 6,
      60_000,
    );
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByText("None: every node has the blocks it should hold")
      .waitFor();
    assertMatch(await page.locator("main").innerText(), /Workers/);
  },
);
