/**
 * A static site served through the website endpoint, read with curl and Host headers as a
 * browser behind DNS would: index documents in nested folders, the folder redirect, routing
 * rules, the error page with its status, object redirects, ranges and conditions.
 */
import {
  CreateBucketCommand,
  DeleteBucketWebsiteCommand,
  GetBucketWebsiteCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import type { GetBucketInfoResponse } from "../../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { assertS3Error, s3Fixture } from "../s3/client.ts";
import { curl, haveCurl } from "./curl.ts";

const SITE: Record<string, [string, string]> = {
  "index.html": ["<h1>home</h1>", "text/html"],
  "about/index.html": ["<h1>about</h1>", "text/html"],
  "docs/guide/index.html": ["<h1>guide</h1>", "text/html"],
  "docs/guide/install.html": ["<h1>install</h1>", "text/html"],
  "style.css": ["body { color: #333 }", "text/css"],
  "404.html": ["<h1>not here</h1>", "text/html"],
};

Deno.test("a static website through the website endpoint", async (t) => {
  if (!await haveCurl()) return;
  await using f = await s3Fixture();
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "site" }));
  for (const [key, [body, type]] of Object.entries(SITE)) {
    await s3.send(
      new PutObjectCommand({ Bucket: "site", Key: key, Body: body, ContentType: type }),
    );
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: "site",
      Key: "old.html",
      Body: new Uint8Array(),
      WebsiteRedirectLocation: "/docs/guide/",
    }),
  );
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    curl(`${node.web}${path}`, { method, headers: { host: "site.web.test", ...headers } });

  await t.step("nothing is served before website access is enabled", async () => {
    const r = await get("/");
    assertEquals(r.status, 404);
    assertMatch(r.body, /NoSuchWebsiteConfiguration/);
    const unknown = await curl(`${node.web}/`, { headers: { host: "nobody.web.test" } });
    assertEquals(unknown.status, 404);
    assertMatch(unknown.body, /NoSuchBucket/);
  });

  await s3.send(
    new PutBucketWebsiteCommand({
      Bucket: "site",
      WebsiteConfiguration: {
        IndexDocument: { Suffix: "index.html" },
        ErrorDocument: { Key: "404.html" },
        RoutingRules: [
          {
            Condition: { KeyPrefixEquals: "manual/" },
            Redirect: { ReplaceKeyPrefixWith: "docs/guide/" },
          },
          {
            Condition: { KeyPrefixEquals: "archive/", HttpErrorCodeReturnedEquals: "404" },
            Redirect: {
              HostName: "archive.example.org",
              Protocol: "https",
              HttpRedirectCode: "302",
            },
          },
          {
            Condition: { KeyPrefixEquals: "latest" },
            Redirect: { ReplaceKeyWith: "docs/guide/install.html", HttpRedirectCode: "307" },
          },
        ],
      },
    }),
  );

  await t.step("index documents at the root and in nested folders", async () => {
    const home = await get("/");
    assertEquals([home.status, home.body], [200, SITE["index.html"][0]]);
    assertEquals(home.headers.get("content-type"), "text/html");
    assert(home.headers.get("etag"), "an ETag");
    assert(home.headers.get("last-modified"), "a Last-Modified");
    assertEquals((await get("/docs/guide/")).body, SITE["docs/guide/index.html"][0]);
    const page = await get("/docs/guide/install.html");
    assertEquals([page.status, page.body], [200, SITE["docs/guide/install.html"][0]]);
    const css = await get("/style.css");
    assertEquals(css.headers.get("content-type"), "text/css");
  });

  await t.step("a folder named without its slash redirects to it", async () => {
    const r = await get("/about");
    assertEquals([r.status, r.headers.get("location")], [302, "/about/"]);
    assertEquals((await get("/about/")).body, SITE["about/index.html"][0]);
  });

  await t.step("a missing page is the error document, with status 404", async () => {
    const r = await get("/no/such/page.html");
    assertEquals([r.status, r.body], [404, SITE["404.html"][0]]);
    assertEquals(r.headers.get("content-type"), "text/html");
    const head = await get("/no/such/page.html", {}, "HEAD");
    assertEquals([head.status, head.body], [404, ""]);
    // Served whole: the request's range and conditions were about the missing page.
    const ranged = await get("/no/such/page.html", { range: "bytes=0-3", "if-none-match": "*" });
    assertEquals([ranged.status, ranged.body], [404, SITE["404.html"][0]]);
  });

  await t.step("routing rules redirect by prefix, by key and on errors", async () => {
    const prefix = await get("/manual/install.html");
    assertEquals([prefix.status, prefix.headers.get("location")], [
      301,
      "/docs/guide/install.html",
    ]);
    const key = await get("/latest");
    assertEquals([key.status, key.headers.get("location")], [307, "/docs/guide/install.html"]);
    const archived = await get("/archive/2019/post.html");
    assertEquals([archived.status, archived.headers.get("location")], [
      302,
      "https://archive.example.org/archive/2019/post.html",
    ]);
  });

  await t.step("an object's website redirect location is honoured", async () => {
    const r = await get("/old.html");
    assertEquals([r.status, r.headers.get("location")], [301, "/docs/guide/"]);
    // The redirect comes before the object: a HEAD or a conditional GET of it is sent on too.
    const head = await get("/old.html", {}, "HEAD");
    assertEquals([head.status, head.headers.get("location")], [301, "/docs/guide/"]);
    const etag = `"${createHash("md5").update("").digest("hex")}"`;
    const cached = await get("/old.html", { "if-none-match": etag });
    assertEquals([cached.status, cached.headers.get("location")], [301, "/docs/guide/"]);
  });

  await t.step("ranges and conditional requests", async () => {
    const part = await get("/style.css", { range: "bytes=0-3" });
    assertEquals([part.status, part.body], [206, "body"]);
    assertEquals(part.headers.get("content-range"), `bytes 0-3/${SITE["style.css"][0].length}`);
    const etag = (await get("/style.css")).headers.get("etag")!;
    assertEquals((await get("/style.css", { "if-none-match": etag })).status, 304);
    const beyond = await get("/style.css", { range: "bytes=9999-" });
    assertEquals(beyond.status, 416);
  });

  await t.step("an object encrypted with a customer key is never served", async () => {
    const key = new Uint8Array(32).fill(7);
    await s3.send(
      new PutObjectCommand({
        Bucket: "site",
        Key: "sealed.html",
        Body: "<p>private</p>",
        SSECustomerAlgorithm: "AES256",
        SSECustomerKey: btoa(String.fromCharCode(...key)),
        SSECustomerKeyMD5: createHash("md5").update(key).digest("base64"),
      }),
    );
    const r = await get("/sealed.html");
    assertEquals(r.status, 400);
    assert(!r.body.includes("private"), "no plaintext");
  });

  await t.step("only GET, HEAD and OPTIONS are served", async () => {
    const r = await get("/index.html", {}, "PUT");
    assertEquals([r.status, r.headers.get("allow")], [405, "GET, HEAD, OPTIONS"]);
    assertEquals((await get("/index.html", {}, "DELETE")).status, 405);
    assertEquals((await get("/index.html")).status, 200, "still there");
  });

  await t.step("a whole host that is a global alias is served too", async () => {
    const info = await node.api<GetBucketInfoResponse>(
      "GET",
      "/v2/GetBucketInfo?globalAlias=site",
    );
    await node.api("POST", "/v2/AddBucketAlias", {
      bucketId: info.id,
      globalAlias: "www.example.com",
    });
    const r = await curl(`${node.web}/about/`, { headers: { host: "www.example.com:8080" } });
    assertEquals([r.status, r.body], [200, SITE["about/index.html"][0]]);
  });

  await t.step("the S3 API reads back and deletes the configuration", async () => {
    const cfg = await s3.send(new GetBucketWebsiteCommand({ Bucket: "site" }));
    assertEquals(cfg.IndexDocument?.Suffix, "index.html");
    assertEquals(cfg.ErrorDocument?.Key, "404.html");
    assertEquals(cfg.RoutingRules?.length, 3);
    assertEquals(cfg.RoutingRules?.[1].Redirect?.HostName, "archive.example.org");
    assertEquals(cfg.RoutingRules?.[1].Condition?.HttpErrorCodeReturnedEquals, "404");
    await s3.send(new DeleteBucketWebsiteCommand({ Bucket: "site" }));
    await assertS3Error(
      () => s3.send(new GetBucketWebsiteCommand({ Bucket: "site" })),
      "NoSuchWebsiteConfiguration",
      404,
    );
    assertEquals((await get("/")).status, 404);
  });

  await t.step("invalid configurations are refused and change nothing", async () => {
    const put = (WebsiteConfiguration: object) => () =>
      s3.send(new PutBucketWebsiteCommand({ Bucket: "site", WebsiteConfiguration }));
    await assertS3Error(put({ ErrorDocument: { Key: "e.html" } }), "InvalidArgument", 400);
    await assertS3Error(put({ IndexDocument: { Suffix: "a/index.html" } }), "InvalidArgument", 400);
    await assertS3Error(
      put({
        IndexDocument: { Suffix: "index.html" },
        RoutingRules: [{ Redirect: { ReplaceKeyWith: "a", ReplaceKeyPrefixWith: "b" } }],
      }),
      "InvalidArgument",
      400,
    );
    await assertS3Error(
      put({
        IndexDocument: { Suffix: "index.html" },
        RoutingRules: [{ Redirect: { HttpRedirectCode: "200" } }],
      }),
      "InvalidArgument",
      400,
    );
    await assertS3Error(
      put({
        RedirectAllRequestsTo: { HostName: "example.org" },
        IndexDocument: { Suffix: "index.html" },
      }),
      "InvalidArgument",
      400,
    );
    await assertS3Error(
      () => s3.send(new GetBucketWebsiteCommand({ Bucket: "site" })),
      "NoSuchWebsiteConfiguration",
      404,
    );
  });

  await t.step("a site can send every request elsewhere", async () => {
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: "site",
        WebsiteConfiguration: {
          RedirectAllRequestsTo: { HostName: "example.org", Protocol: "https" },
        },
      }),
    );
    const r = await get("/docs/guide/?lang=fr");
    assertEquals([r.status, r.headers.get("location")], [
      301,
      "https://example.org/docs/guide/?lang=fr",
    ]);
  });

  await t.step("website access through the admin API keeps the S3 routing rules", async () => {
    const info = await node.api<GetBucketInfoResponse>(
      "GET",
      "/v2/GetBucketInfo?globalAlias=site",
    );
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: "site",
        WebsiteConfiguration: {
          IndexDocument: { Suffix: "index.html" },
          RoutingRules: [{
            Condition: { KeyPrefixEquals: "manual/" },
            Redirect: { ReplaceKeyPrefixWith: "docs/guide/" },
          }],
        },
      }),
    );
    await node.api("POST", `/v2/UpdateBucket?id=${info.id}`, {
      websiteAccess: { enabled: true, indexDocument: "index.html", errorDocument: "404.html" },
    });
    assertEquals((await get("/about/")).body, SITE["about/index.html"][0]);
    assertEquals((await get("/manual/x.html")).headers.get("location"), "/docs/guide/x.html");
    assertEquals((await get("/missing")).status, 404);
    await node.api("POST", `/v2/UpdateBucket?id=${info.id}`, {
      websiteAccess: { enabled: false },
    });
    assertEquals((await get("/about/")).status, 404);
  });
});

Deno.test("GET /check tells a reverse proxy which domains are served", async () => {
  await using f = await s3Fixture({ rootDomain: ".s3.test" });
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "blog" }));
  await s3.send(new CreateBucketCommand({ Bucket: "private" }));
  await s3.send(
    new PutBucketWebsiteCommand({
      Bucket: "blog",
      WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
    }),
  );
  const check = async (domain?: string) => {
    const res = await fetch(
      `${node.admin}/check${domain === undefined ? "" : `?domain=${domain}`}`,
    );
    return { status: res.status, text: await res.text() };
  };
  assertEquals(await check("blog.web.test"), {
    status: 200,
    text: "Domain 'blog.web.test' is managed by Remise\n",
  });
  assertEquals((await check("blog")).status, 200, "a global alias as a whole host");
  assertEquals((await check("private.s3.test")).status, 200, "a bucket under the S3 domain");
  const refused = await check("private.web.test");
  assertEquals(refused.status, 400);
  assertMatch(JSON.parse(refused.text).message, /not managed by Remise.*website access/);
  assertEquals((await check("nothing.example.com")).status, 400);
  assertMatch(JSON.parse((await check()).text).message, /\/check\?domain=/);
});
