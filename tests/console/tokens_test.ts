/**
 * Signing in to the console with a scoped admin token, in Chromium on a 3-node cluster: the
 * console shows what the scope allows and hides the rest (screens and actions), and a screen
 * outside the scope says so instead of failing.
 */
import type { CreateAdminTokenResponse, GetBucketInfoResponse } from "../../shared/admin.ts";
import { assertEquals } from "../assert.ts";
import { consoleTest } from "./session.ts";

consoleTest("console with a scoped token: what it may see, and no more", async (s) => {
  const { page, node } = s;
  const bucket = await node.api<GetBucketInfoResponse>("POST", "/v2/CreateBucket", {
    globalAlias: "reports",
  });
  const token = await node.api<CreateAdminTokenResponse>("POST", "/v2/CreateAdminToken", {
    name: "viewer",
    scope: ["GetClusterStatus", "GetClusterHealth", "ListBuckets", "GetBucketInfo"],
  });

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Admin token").fill(token.secretToken);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Cluster" }).waitFor();
  await page.getByText("token “viewer”").waitFor();

  const nav = page.getByRole("navigation", { name: "Main" });
  assertEquals(await nav.getByRole("link").allInnerTexts(), ["Cluster", "Buckets"]);

  // The buckets it may read, without the forms it may not use.
  await nav.getByRole("link", { name: "Buckets" }).click();
  await page.getByRole("link", { name: "reports" }).waitFor();
  assertEquals(await page.getByRole("button", { name: "Create bucket" }).count(), 0);
  await page.getByRole("link", { name: "reports" }).click();
  await page.getByRole("heading", { level: 1, name: /reports/ }).waitFor();
  for (const name of ["Delete bucket", "Save quotas", "Add alias"]) {
    assertEquals(await page.getByRole("button", { name }).count(), 0, name);
  }
  await s.shots("console-scoped-token");

  // A screen outside the scope says so, and where to go.
  await s.open("#/keys");
  await page.getByText("may not call ListKeys").waitFor();
  await page.getByRole("main").getByRole("link", { name: "Cluster" }).waitFor();
  assertEquals(bucket.globalAliases, ["reports"]);
});
