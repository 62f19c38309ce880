/**
 * A new key in the console, in Chromium on a 3-node cluster: created with an expiry, shown
 * once with this node's S3 endpoint and settings for awscli and rclone that work as pasted (run
 * here for real), then its expiry changed from its page.
 */
import type { GetKeyInfoResponse } from "../../shared/admin.ts";
import { assertEquals, assertMatch } from "../assert.ts";
import { eventually } from "../cluster.ts";
import { requireProgram } from "../harness.ts";
import { consoleTest } from "./session.ts";

/** Runs a shell snippet as pasted into a terminal; its output. */
async function sh(script: string): Promise<{ code: number; out: string }> {
  const env = { ...Deno.env.toObject() };
  delete env.AWS_CA_BUNDLE;
  const r = await new Deno.Command("sh", {
    args: ["-ec", script],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

consoleTest("console keys: an expiry, and settings for awscli and rclone that work", async (s) => {
  if (!await requireProgram("/usr/bin/aws") || !await requireProgram("rclone")) return;
  const { page, node } = s;
  await node.api("POST", "/v2/CreateBucket", { globalAlias: "backups" });
  await s.open("#/keys");
  await page.getByLabel("Key name").fill("laptop");
  await page.getByLabel("Valid until (UTC, optional)").fill("2031-06-30");
  await page.getByLabel("Allow creating buckets").check();
  await page.getByRole("button", { name: "Create key" }).click();
  const card = page.getByRole("region", { name: "Key “laptop” created" });
  await card.getByRole("textbox", { name: "S3 endpoint" }).waitFor();
  assertEquals(await card.getByRole("textbox", { name: "S3 endpoint" }).inputValue(), node.s3);
  const keyId = await card.getByRole("textbox", { name: "Access key ID" }).inputValue();
  const info = await node.api<GetKeyInfoResponse>("GET", `/v2/GetKeyInfo?id=${keyId}`);
  assertEquals(info.expiration, "2031-06-30T23:59:59.000Z");

  // awscli, as pasted: the key lists what it may see (it may create buckets, and makes one).
  const awscli = await card.getByRole("tabpanel").innerText();
  assertMatch(awscli, /aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 ls/);
  const made = await sh(`${awscli.replace("s3 ls", "s3 mb s3://from-snippet")}\n`.replace(
    /^aws /m,
    "/usr/bin/aws ",
  ));
  assertEquals(made.code, 0, made.out);
  await s.shots("console-key-created");

  // rclone, as pasted into its config file.
  await card.getByRole("tab", { name: "rclone" }).click();
  const conf = await card.getByRole("tabpanel").innerText();
  const file = await Deno.makeTempFile({ suffix: ".conf" });
  try {
    await Deno.writeTextFile(file, conf);
    const listed = await sh(`rclone --config ${file} lsd remise:`);
    assertEquals(listed.code, 0, listed.out);
    assertMatch(listed.out, /from-snippet/);
  } finally {
    await Deno.remove(file);
  }

  // The key's page: the expiry moved, then removed.
  await card.getByRole("button", { name: "I have copied the secret" }).click();
  await s.open(`#/keys/${keyId}`);
  await page.getByLabel("Valid until (UTC)").fill("2032-01-15");
  await page.getByRole("button", { name: "Set expiry" }).click();
  // The key had an expiry already, so the page looks the same before and after the save.
  await eventually(
    "the new expiry saved",
    async () =>
      (await node.api<GetKeyInfoResponse>("GET", `/v2/GetKeyInfo?id=${keyId}`)).expiration,
    (e) => e === "2032-01-15T23:59:59.000Z",
    10_000,
  );
  await page.getByRole("button", { name: "Never expire" }).click();
  await page.getByRole("button", { name: "Never expire" }).waitFor({ state: "detached" });
  assertEquals(
    (await node.api<GetKeyInfoResponse>("GET", `/v2/GetKeyInfo?id=${keyId}`)).expiration,
    null,
  );
  // Without the secret, the settings say where it goes.
  assertMatch(await page.getByRole("tabpanel").innerText(), /YOUR_SECRET_KEY/);
});
