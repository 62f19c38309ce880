/**
 * The layout screen in Chromium on a 3-node cluster: a fourth node is connected and given a
 * role in a new zone, the change previewed as a picture and applied; a removal is staged and reverted; an
 * impossible layout and a bad capacity are explained where they were made.
 */
import type {
  GetClusterLayoutResponse,
  PreviewClusterLayoutChangesResponse,
} from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { CLUSTER_TOML, eventually, layoutVersion, nodeIdentity } from "../cluster.ts";
import { startNode } from "../harness.ts";
import { consoleTest } from "./session.ts";

consoleTest(
  "console layout: connect a node, assign, preview, apply, revert, history",
  async (s) => {
    const { page, node, nodes } = s;
    const fourth = await nodeIdentity(
      await startNode({
        autoLayout: false,
        replicationFactor: 3,
        extraToml: CLUSTER_TOML,
      }),
    );
    try {
      const short = fourth.id.slice(0, 8);
      await s.open("#/layout");
      await page.getByRole("heading", { level: 2, name: "Nodes", exact: true })
        .waitFor();

      // Connect the new node by pasting its address, as its own console shows it.
      await page.getByLabel("Address of a node to connect (id@host:port)").fill(
        fourth.peerAddress,
      );
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.getByText("connected", { exact: false }).first().waitFor();
      await page.getByRole("heading", { name: "Nodes without a role" })
        .waitFor();
      const newNode = page.locator("li.card", { hasText: short });
      // Before it has a role, the node says what it is.
      await newNode.getByText("Data disk", { exact: true }).waitFor();
      await newNode.getByText(/remise v/).waitFor();
      await newNode.getByRole("button", { name: /^Assign a role/ }).click();

      // A capacity that is not a size is explained before anything is sent.
      await newNode.getByLabel("Zone").fill("dc4");
      await newNode.getByLabel("Capacity").fill("lots");
      await newNode.getByRole("button", { name: "Stage this role" }).click();
      await newNode.getByRole("alert").filter({
        hasText: "“lots” is not a size",
      }).waitFor();
      await newNode.getByLabel("Capacity").fill("1G");
      await newNode.getByLabel("Tags (comma separated)").fill("ssd, attic");
      await newNode.getByRole("button", { name: "Stage this role" }).click();

      // Staged, the new node stays in view: a row of the Nodes table, marked so.
      await page.getByRole("row", { name: new RegExp(`${short}.*up.*new, staged`) }).waitFor();

      // The preview: a picture whose numbers are the API's.
      const staged = page.locator(".staged");
      await staged.getByText(`zone dc4, capacity 1.0 GB, tags ssd, attic`)
        .waitFor();
      const figure = staged.locator("figure.layout-picture");
      await figure.waitFor();
      const preview = await node.api<PreviewClusterLayoutChangesResponse>(
        "POST",
        "/v2/PreviewClusterLayoutChanges",
      );
      assert("changes" in preview, JSON.stringify(preview));
      assert(preview.copiesMoved > 0, "a new zone must take copies");
      assertMatch(
        await figure.locator("figcaption").innerText(),
        new RegExp(
          `^${preview.copiesMoved} partition copies of 768 move to another node`,
        ),
      );
      const gained = preview.changes.find((c) => c.id === fourth.id)!;
      assertEquals([gained.before, gained.incoming], [0, gained.after]);
      await figure.getByRole("img", {
        name: new RegExp(`${short}: 0 now, ${gained.after} after`),
      })
        .waitFor();
      // Four zones share the 768 copies evenly.
      await figure.getByRole("img", { name: "Zone dc1: 256 now, 192 after" })
        .waitFor();
      await figure.getByRole("img", { name: "Zone dc4: 0 now, 192 after" })
        .waitFor();
      // After the change each node shows what it can hold, in the screen's units.
      await figure.getByText(/GB usable/).first().waitFor();
      await s.shots("console-layout-preview");

      await staged.getByRole("button", { name: "Apply as version 2" }).click();
      await page.getByRole("button", { name: "Yes, apply version 2" }).click();
      await page.getByRole("status").filter({
        hasText: "Layout version 2 applied",
      }).waitFor();
      await Promise.all([...nodes, fourth].map((n) => layoutVersion(n, 2)));
      const layout = await node.api<GetClusterLayoutResponse>(
        "GET",
        "/v2/GetClusterLayout",
      );
      assertEquals(layout.version, 2);
      const role = layout.roles.find((r) => r.id === fourth.id);
      assertEquals([role?.zone, role?.capacity, role?.tags], ["dc4", 1e9, [
        "ssd",
        "attic",
      ]]);

      // Stage a removal, see it, revert it.
      const row = page.getByRole("row", {
        name: new RegExp(nodes[1].id.slice(0, 8)),
      });
      await row.getByRole("button", { name: /^Remove/ }).click();
      await staged.getByText("remove from the layout").waitFor();
      await staged.locator("figure.layout-picture").waitFor();
      // Four zones down to three: the preview says redundancy goes down.
      await staged.getByText(
        "This change lowers redundancy: data is spread over 3 zones instead of 4.",
      )
        .waitFor();
      await staged.getByRole("button", { name: "Revert staged changes" })
        .click();
      await page.getByRole("status").filter({
        hasText: "Staged changes discarded",
      }).waitFor();
      const reverted = await node.api<GetClusterLayoutResponse>(
        "GET",
        "/v2/GetClusterLayout",
      );
      assertEquals(reverted.stagedRoleChanges, []);

      // More zones than copies is refused where it was chosen, with the reason.
      await page.getByLabel("Copies of each partition must be in at least")
        .selectOption("4");
      await staged.getByRole("alert").filter({
        hasText: /Changing the zone redundancy failed.*replication factor \(3\)/,
      }).waitFor();

      // A layout that cannot hold 3 copies (2 storage nodes left) is refused before applying.
      for (const n of [nodes[1], nodes[2]]) {
        await page.getByRole("row", { name: new RegExp(n.id.slice(0, 8)) })
          .getByRole("button", { name: /^Remove/ }).click();
        await page.getByRole("row", { name: new RegExp(n.id.slice(0, 8)) })
          .getByText("change staged").waitFor();
      }
      // Not a failure, a step still to take: the hint says how many nodes are missing.
      await staged.getByRole("status").filter({
        hasText: "Assign 1 more storage node (a zone and a capacity) before applying",
      })
        .waitFor();
      assertEquals(
        await staged.getByRole("button", { name: /^Apply/ }).count(),
        0,
      );
      await staged.getByRole("button", { name: "Revert staged changes" })
        .click();
      await page.getByRole("status").filter({
        hasText: "Staged changes discarded",
      }).waitFor();

      // A mistyped address: the node never answers, gets no role, and can be forgotten.
      const phantom = "ab".repeat(32);
      await page.getByLabel("Address of a node to connect (id@host:port)").fill(
        `${phantom}@127.0.0.1:1`,
      );
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      const ghost = page.locator("li.card", { hasText: "never answered" });
      await ghost.getByText("the address may be mistyped").waitFor();
      assertEquals(await ghost.getByRole("button", { name: /^Assign a role/ }).count(), 0);
      await s.shots("console-layout-phantom");
      await ghost.getByRole("button", { name: /^Forget/ }).click();
      await page.getByRole("status").filter({ hasText: "forgotten" }).waitFor();
      await ghost.waitFor({ state: "detached" });

      // History: version 2 is current once every node has synced.
      const history = page.locator(".history");
      await history.getByRole("cell", { name: "2", exact: true }).waitFor();
      await eventually(
        "every node synced",
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return await history.innerText();
        },
        (t) => /Every node has synced version 2/.test(t),
        60_000,
      );
      await s.shots("console-layout-history");
    } finally {
      await fourth.stop();
    }
  },
);
