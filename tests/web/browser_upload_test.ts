/**
 * A web app served by the website endpoint uploads straight to the S3 endpoint from headless
 * Chromium: a PUT to a presigned URL (the browser sends a CORS preflight first) and an HTML
 * form POST with a signed policy. The bucket's CORS rules decide what the page may do.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Buffer } from "node:buffer";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { launchChromium, shot } from "../browser.ts";
import { postPolicyFields } from "../post_policy.ts";
import { assertS3Error, bodyBytes, s3Fixture } from "../s3/client.ts";

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Uploader</title></head>
<body>
  <h1>Uploader</h1>
  <form id="form" method="post" enctype="multipart/form-data">
    <input type="file" name="file" aria-label="File">
    <button type="submit">Upload</button>
  </form>
</body></html>`;

const DONE = `<!doctype html><html><head><title>Uploaded</title></head>
<body><h1>Uploaded</h1></body></html>`;

/** Prometheus counter value of S3 preflights answered so far. */
async function preflights(admin: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`, {
    headers: { authorization: "Bearer test-metrics-token" },
  })).text();
  const m = /^s3_request_total\{api_endpoint="Options"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

Deno.test({
  name: "a page in Chromium uploads with a presigned URL and with a POST form",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using f = await s3Fixture();
    const { s3, node, key } = f;
    const webPort = new URL(node.web).port;
    const site = `http://app.web.test:${webPort}`;
    // The S3 endpoint is another origin than the page: every call from the page is cross-origin.
    const s3Url = node.s3;
    await using browser = await launchChromium({
      args: ["--host-resolver-rules=MAP *.web.test 127.0.0.1"],
    });
    if (!browser) return;
    const { page } = browser;

    await s3.send(new CreateBucketCommand({ Bucket: "app" }));
    await s3.send(new CreateBucketCommand({ Bucket: "uploads" }));
    for (const [k, body] of [["index.html", PAGE], ["done.html", DONE]]) {
      await s3.send(
        new PutObjectCommand({ Bucket: "app", Key: k, Body: body, ContentType: "text/html" }),
      );
    }
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: "app",
        WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
      }),
    );
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: "uploads",
        CORSConfiguration: {
          CORSRules: [{
            AllowedOrigins: [site],
            AllowedMethods: ["PUT", "POST"],
            AllowedHeaders: ["content-type"],
            ExposeHeaders: ["ETag"],
          }],
        },
      }),
    );
    await page.goto(`${site}/`);
    await page.getByRole("heading", { name: "Uploader" }).waitFor();

    // A presigned PUT with a Content-Type: not a simple request, so a preflight goes first.
    const put = async (objectKey: string, body: string) => {
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({ Bucket: "uploads", Key: objectKey, ContentType: "text/plain" }),
        { expiresIn: 300 },
      );
      return await page.evaluate(async ({ url, body }) => {
        try {
          const r = await fetch(url, {
            method: "PUT",
            body,
            headers: { "content-type": "text/plain" },
          });
          return { status: r.status, etag: r.headers.get("etag") };
        } catch (e) {
          return { error: String(e) };
        }
      }, { url, body });
    };
    const before = await preflights(node.admin);
    const sent = await put("presigned.txt", "hello from the browser");
    assertEquals(typeof (sent as { etag: string }).etag, "string", JSON.stringify(sent));
    assertEquals((sent as { status: number }).status, 200);
    assert(await preflights(node.admin) > before, "the browser sent a preflight");
    const stored = await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "presigned.txt" }));
    assertEquals(new TextDecoder().decode(await bodyBytes(stored.Body)), "hello from the browser");
    assertEquals(stored.ContentType, "text/plain");

    // The same page on an origin the rules do not name: the preflight fails, nothing is sent.
    await page.goto(`http://other.web.test:${webPort}/`).catch(() => {});
    const otherSite = await page.evaluate(() => location.origin);
    assertEquals(otherSite, `http://other.web.test:${webPort}`);
    const blocked = await put("blocked.txt", "must not arrive");
    assertMatch((blocked as { error: string }).error ?? "", /TypeError|Failed to fetch/);
    await assertS3Error(
      () => s3.send(new HeadObjectCommand({ Bucket: "uploads", Key: "blocked.txt" })),
      null,
      404,
    );

    // An HTML form with a signed policy, submitted by the browser; S3 redirects back to the site.
    await page.goto(`${site}/`);
    const fields = postPolicyFields(key, node.region, "uploads", [
      ["starts-with", "$key", "forms/"],
      ["content-length-range", 1, 1024 * 1024],
      { success_action_redirect: `${site}/done.html` },
    ]);
    await page.evaluate(({ action, fields }) => {
      const form = document.getElementById("form") as HTMLFormElement;
      form.action = action;
      const file = form.querySelector("input[type=file]")!;
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.insertBefore(input, file);
      }
    }, {
      action: `${s3Url}/uploads`,
      fields: { key: "forms/${filename}", success_action_redirect: `${site}/done.html`, ...fields },
    });
    await page.getByLabel("File").setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("uploaded by a form"),
    });
    await shot(page, "web-post-form");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "Uploaded" }).waitFor();
    const landed = new URL(page.url());
    assertEquals(landed.origin + landed.pathname, `${site}/done.html`);
    assertEquals(landed.searchParams.get("key"), "forms/notes.txt");
    assertEquals(landed.searchParams.get("bucket"), "uploads");
    const formObject = await s3.send(
      new GetObjectCommand({ Bucket: "uploads", Key: "forms/notes.txt" }),
    );
    assertEquals(new TextDecoder().decode(await bodyBytes(formObject.Body)), "uploaded by a form");
  },
});
