/** The admin API reads bounded bodies and names: an oversized one is a 4xx naming the limit. */
import { assertEquals, assertMatch } from "./assert.ts";
import { startNode } from "./harness.ts";
import { rawRequest } from "./raw_http.ts";

Deno.test("admin API bodies and names are bounded", async (t) => {
  const node = await startNode();
  const call = (path: string, body: string) =>
    fetch(`${node.admin}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.adminToken}`, "content-type": "application/json" },
      body,
    });
  try {
    await t.step("a 10 MB body is 413 and creates nothing", async () => {
      const body = JSON.stringify({ globalAlias: "huge", padding: "x".repeat(10_000_000) });
      const res = await call("/v2/CreateBucket", body);
      assertEquals(res.status, 413);
      assertMatch((await res.json()).message, /larger than the 1048576 bytes/);
      const list = await node.api<{ globalAliases: string[] }[]>("GET", "/v2/ListBuckets");
      assertEquals(list.flatMap((b) => b.globalAliases).includes("huge"), false);
    });

    await t.step("a key name of 10,000 characters is 400 InvalidRequest", async () => {
      const res = await call("/v2/CreateKey", JSON.stringify({ name: "n".repeat(10_000) }));
      assertEquals(res.status, 400);
      const err = await res.json();
      assertEquals(err.code, "InvalidRequest");
      assertMatch(err.message, /`name` must be at most 4096 characters long/);
    });

    await t.step("an upload cut short is 400 IncompleteBody and stores nothing", async () => {
      const bucket = await node.api<{ id: string }>("POST", "/v2/CreateBucket", {
        globalAlias: "cut",
      });
      const url = `${node.admin}/v2/PutBucketObject?bucketId=${bucket.id}&key=cut.bin`;
      const res = await rawRequest(
        url,
        "PUT",
        {
          authorization: `Bearer ${node.adminToken}`,
          "content-length": "100000",
        },
        new Uint8Array(5000),
        { halfClose: true },
      );
      assertEquals(res?.status, 400);
      assertEquals(JSON.parse(res!.body).code, "IncompleteBody");
      const head = await fetch(
        `${node.admin}/v2/GetBucketObject?bucketId=${bucket.id}&key=cut.bin`,
        { method: "HEAD", headers: { authorization: `Bearer ${node.adminToken}` } },
      );
      assertEquals(head.status, 404);
    });

    await t.step("the node keeps serving", async () => {
      await node.api("POST", "/v2/CreateKey", { name: "after" });
    });
  } finally {
    await node.stop();
  }
});
