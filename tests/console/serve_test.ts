/**
 * The browser console: how the admin port serves it (files, SPA fallback, headers, the API still
 * answering beside it), then a real headless Chromium signing in and creating a key and a bucket
 * through the UI. Screenshots go to tests/artifacts/.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type {
  GetBucketInfoResponse,
  GetKeyInfoResponse,
  ListKeysResponse,
} from "../../shared/admin.ts";
import { consoleHandler } from "../../server/admin/console.ts";
import { verdictOf } from "../../console/src/verdict.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { launchChromium, shot } from "../browser.ts";
import { startNode } from "../harness.ts";
import { ensureBuilt, watchPage } from "./session.ts";

async function get(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

Deno.test("console: the admin port serves the built console beside the API", async () => {
  await ensureBuilt();
  const node = await startNode();
  try {
    const index = await get(`${node.admin}/`);
    assertEquals(index.status, 200);
    assertMatch(index.headers.get("content-type") ?? "", /^text\/html/);
    assertEquals(index.headers.get("cache-control"), "no-cache");
    const csp = index.headers.get("content-security-policy") ?? "";
    assertMatch(csp, /default-src 'self'/);
    assertMatch(csp, /connect-src 'self'/);
    assertMatch(csp, /frame-ancestors 'none'/);
    assertEquals(index.headers.get("x-content-type-options"), "nosniff");
    assertMatch(index.text, /<script type="module" src="app\.js"><\/script>/);
    assertMatch(index.text, /<link rel="stylesheet" href="style\.css">/);
    // Nothing in the page names another host: no CDN, no web fonts.
    assert(
      !/(src|href)="(https?:)?\/\//.test(index.text),
      "index.html loads from another host",
    );

    const js = await get(`${node.admin}/app.js`);
    assertEquals(js.status, 200);
    assertMatch(js.headers.get("content-type") ?? "", /^text\/javascript/);
    for (
      const s of [
        "Admin token",
        "Sign in",
        "Create bucket",
        "Create key",
        "GetClusterHealth",
      ]
    ) {
      assert(js.text.includes(s), `app.js does not contain "${s}"`);
    }
    assert(
      !/https?:\/\/(?!www\.w3\.org)/.test(js.text),
      "app.js names another host",
    );

    const css = await get(`${node.admin}/style.css`);
    assertEquals(css.status, 200);
    assertMatch(css.headers.get("content-type") ?? "", /^text\/css/);
    assert(
      !/@import|url\(\s*["']?https?:/.test(css.text),
      "style.css loads from another host",
    );

    // Revalidation: the ETag gives a 304.
    const etag = js.headers.get("etag");
    assert(etag, "app.js has no ETag");
    const again = await get(`${node.admin}/app.js`, {
      headers: { "if-none-match": etag },
    });
    assertEquals(again.status, 304);

    // Deep links: the hash never reaches the server; a browser navigating to a path gets the
    // page too, while API clients keep the JSON 404 there.
    const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
    for (const path of ["/#/buckets", "/buckets", "/keys/GK123"]) {
      const r = await get(`${node.admin}${path}`, { headers: html });
      assertEquals(r.status, 200, path);
      assertEquals(r.text, index.text, path);
    }
    assertEquals((await get(`${node.admin}/#/buckets`)).text, index.text);
    for (
      const path of [
        "/buckets",
        "/missing.js",
        "/..%2f..%2fdeno.json",
        "/v1/status",
      ]
    ) {
      const r = await get(`${node.admin}${path}`, {
        headers: path === "/buckets" ? {} : html,
      });
      assertEquals(r.status, 404, path);
      assertEquals(JSON.parse(r.text).code, "NoSuchEndpoint", path);
    }
    const post = await get(`${node.admin}/`, { method: "POST", body: "x" });
    assertEquals(post.status, 405);
    assertEquals(JSON.parse(post.text).code, "MethodNotAllowed");

    // The API still answers JSON beside the console.
    for (const path of ["/v2/ListKeys", "/v2/GetClusterStatus"]) {
      const r = await get(`${node.admin}${path}`);
      assertEquals(r.status, 401, path);
      assertMatch(r.headers.get("content-type") ?? "", /^application\/json/);
      assertEquals(JSON.parse(r.text).code, "AccessDenied");
    }
    const unknown = await get(`${node.admin}/v2/NoSuchThing`, {
      headers: { authorization: `Bearer ${node.adminToken}` },
    });
    assertEquals(unknown.status, 404);
    assertEquals(JSON.parse(unknown.text).code, "NoSuchEndpoint");
    assertEquals((await get(`${node.admin}/health`)).status, 200);
  } finally {
    await node.stop();
  }
});

Deno.test("console: without a build, a 503 says how to build it", async () => {
  const empty = await Deno.makeTempDir({ prefix: "remise-console-" });
  try {
    const handler = consoleHandler(new URL(`file://${empty}/`));
    const r = await handler(new Request("http://x/"));
    assertEquals(r.status, 503);
    assertMatch(
      await r.text(),
      /The console is not built: run `deno task build`/,
    );
    const nav = await handler(
      new Request("http://x/buckets", { headers: { accept: "text/html" } }),
    );
    assertEquals(nav.status, 503);
    await nav.body?.cancel();
    for (const path of ["/v2/Foo/bar", "/elsewhere", "/app.js"]) {
      const api = await handler(new Request(`http://x${path}`));
      assertEquals(api.status, 404, path);
      assertEquals((await api.json()).code, "NoSuchEndpoint", path);
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("console: the cluster verdict reads status and health as one", () => {
  const node = (id: string, isUp: boolean, zone: string | null) => ({
    id,
    garageVersion: null,
    addr: null,
    hostname: null,
    isUp,
    lastSeenSecsAgo: isUp ? 0 : 125,
    role: zone ? { zone, tags: [], capacity: 1e12 } : null,
    draining: false,
  });
  const health = (
    status: "healthy" | "degraded" | "unavailable",
    ok: number,
    quorum: number,
  ) => ({
    status,
    knownNodes: 3,
    connectedNodes: ok,
    storageNodes: 3,
    storageNodesOk: ok,
    partitions: 256,
    partitionsQuorum: quorum,
    partitionsAllOk: ok === 3 ? 256 : 0,
  });
  const nodes = [
    node("a".repeat(64), true, "dc1"),
    node("b".repeat(64), true, "dc2"),
  ];
  const up = {
    layoutVersion: 2,
    nodes: [...nodes, node("c".repeat(64), true, "dc3")],
  };
  const oneDown = {
    layoutVersion: 2,
    nodes: [...nodes, node("c".repeat(64), false, "dc3")],
  };

  const healthy = verdictOf({ status: up, health: health("healthy", 3, 256) });
  assertEquals([healthy.tone, healthy.title], ["good", "Healthy"]);
  assertMatch(
    healthy.lines[0],
    /All 3 storage nodes are up; all 256 partitions/,
  );

  const degraded = verdictOf({
    status: oneDown,
    health: health("degraded", 2, 256),
  });
  assertEquals([degraded.tone, degraded.title], ["warn", "Degraded"]);
  assertMatch(
    degraded.lines[0],
    /2 of 3 storage nodes up\. .*reads and writes work.*256 partitions/,
  );
  assertMatch(
    degraded.lines[1],
    /^Down: cccccccccccccccc… in dc3, 2 min ago\.$/,
  );

  const down = verdictOf({
    status: oneDown,
    health: health("unavailable", 1, 0),
  });
  assertEquals([down.tone, down.title], ["bad", "Unavailable"]);
  assertMatch(down.lines[0], /256 partitions of 256 have no quorum/);

  const empty = verdictOf({
    status: { layoutVersion: 0, nodes: [node("a".repeat(64), true, null)] },
    health: { ...health("unavailable", 0, 0), storageNodes: 0 },
  });
  assertEquals([empty.tone, empty.title], ["warn", "No storage yet"]);
  // The way on is a link to the screen that does it, not a command to copy.
  assertEquals(empty.next, { hash: "#/layout", text: "Assign roles on the Layout screen" });
});

Deno.test({
  name: "console: in Chromium, sign in, create a key and a bucket, grant, refuse a delete",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBuilt();
    const node = await startNode();
    try {
      await using browser = await launchChromium();
      if (!browser) return;
      const { page } = browser;
      const assertClean = watchPage(browser, node.admin);

      // A deep link while signed out: the sign-in screen, then the linked screen.
      await page.goto(`${node.admin}/#/buckets`);
      const tokenField = page.getByLabel("Admin token");
      await tokenField.waitFor();
      assert(
        await tokenField.evaluate((el) => el === document.activeElement),
        "token not focused",
      );
      await tokenField.fill("not-the-token");
      await page.keyboard.press("Enter");
      await page.getByRole("alert").filter({ hasText: "Invalid bearer token" })
        .waitFor();
      await shot(page, "console-signin-error");
      await tokenField.fill(node.adminToken);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "Buckets" }).waitFor();

      // Cluster: one verdict from status + health, and the node table.
      await page.getByRole("link", { name: "Cluster", exact: true }).click();
      await page.getByRole("heading", { level: 2, name: "Healthy" }).waitFor();
      await page.getByRole("cell", { name: "dc1" }).waitFor();
      await shot(page, "console-cluster");

      // Keys: create one allowed to create buckets; the secret is shown once.
      await page.getByRole("link", { name: "Keys", exact: true }).click();
      await page.getByLabel("Key name").fill("console-key");
      await page.getByLabel("Allow creating buckets").check();
      await page.getByRole("button", { name: "Create key" }).click();
      const secretField = page.getByRole("textbox", {
        name: "Secret access key",
      });
      await secretField.waitFor();
      const secret = await secretField.inputValue();
      const keyId = await page.getByRole("textbox", { name: "Access key ID" })
        .inputValue();
      assertMatch(keyId, /^GK[0-9a-f]{24}$/);
      const info = await node.api<GetKeyInfoResponse>(
        "GET",
        `/v2/GetKeyInfo?id=${keyId}&showSecretKey=true`,
      );
      assertEquals(info.secretAccessKey, secret);
      assertEquals(info.permissions.createBucket, true);
      await shot(page, "console-key-created");
      await page.getByRole("button", { name: "I have copied the secret" })
        .click();
      await page.getByRole("link", { name: "console-key" }).waitFor();
      const keys = await node.api<ListKeysResponse>("GET", "/v2/ListKeys");
      assert(
        keys.some((k) => k.id === keyId && k.name === "console-key"),
        "key not listed",
      );

      // Buckets: a refused name shows the API's message where it was typed.
      await page.getByRole("link", { name: "Buckets", exact: true }).click();
      const alias = page.getByLabel("Bucket name (global alias)");
      await alias.fill("No_Such Name");
      await page.getByRole("button", { name: "Create bucket" }).click();
      await page.getByRole("alert").filter({
        hasText: "Creating the bucket failed",
      }).waitFor();
      await alias.fill("console-bucket");
      await page.getByRole("button", { name: "Create bucket" }).click();
      await page.getByRole("heading", {
        level: 1,
        name: "Bucket “console-bucket”",
      }).waitFor();
      await page.getByRole("status").filter({
        hasText: "Bucket “console-bucket” created",
      })
        .waitFor();
      const bucketId = decodeURIComponent(
        new URL(page.url()).hash.replace("#/buckets/", ""),
      );
      assertMatch(bucketId, /^[0-9a-f]{64}$/);

      // Give the key read + write (the form's default), then owner from the matrix.
      await page.getByRole("combobox", { name: "Key" }).selectOption(keyId);
      await page.getByRole("button", { name: "Allow", exact: true }).click();
      const owner = page.getByLabel("owner for key console-key");
      await owner.waitFor();
      await owner.check();
      await page.waitForFunction(() => {
        const box = document.querySelector<HTMLInputElement>(
          'input[aria-label="owner for key console-key"]',
        );
        return box !== null && box.checked && !box.disabled;
      });
      const b = await node.api<GetBucketInfoResponse>(
        "GET",
        `/v2/GetBucketInfo?id=${bucketId}`,
      );
      assertEquals(b.keys.find((k) => k.accessKeyId === keyId)?.permissions, {
        read: true,
        write: true,
        owner: true,
      });

      // With an object in it, deleting the bucket is refused, in the API's words.
      const s3 = new S3Client({
        endpoint: node.s3,
        region: node.region,
        forcePathStyle: true,
        credentials: { accessKeyId: keyId, secretAccessKey: secret },
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: "console-bucket",
          Key: "hello.txt",
          Body: "hello",
        }),
      );
      s3.destroy();
      await page.reload();
      await page.getByRole("heading", {
        level: 1,
        name: "Bucket “console-bucket”",
      }).waitFor();
      await page.getByRole("button", { name: "Delete bucket" }).click();
      await page.getByRole("button", { name: "Yes, delete the bucket" })
        .click();
      await page.getByRole("alert").filter({ hasText: "not empty" }).waitFor();
      await shot(page, "console-bucket");

      // Narrow screen: nothing wider than 360 px.
      await page.setViewportSize({ width: 360, height: 740 });
      for (const screen of ["#/cluster", "#/keys", `#/buckets/${bucketId}`]) {
        await page.goto(`${node.admin}/${screen}`);
        await page.getByRole("heading", { level: 1 }).waitFor();
        await page.waitForLoadState("networkidle");
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 360, `${screen} is ${width} px wide at 360 px`);
      }
      await shot(page, "console-bucket-360");

      assertClean();
    } finally {
      await node.stop();
    }
  },
});
