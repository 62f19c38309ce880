/**
 * CORS rules set through the S3 API answer preflights and browser requests on the S3 and
 * website endpoints, exactly as the first matching rule says.
 */
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketPolicyCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { assertEquals, assertMatch } from "../assert.ts";
import { assertS3Error, s3Fixture } from "../s3/client.ts";
import { curl, haveCurl } from "./curl.ts";

const RULES = [
  {
    ID: "app",
    AllowedOrigins: ["https://app.example.com", "https://*.preview.example.com"],
    AllowedMethods: ["GET", "PUT", "POST"],
    AllowedHeaders: ["content-type", "x-amz-*"],
    ExposeHeaders: ["ETag", "x-amz-request-id"],
    MaxAgeSeconds: 600,
  },
  { AllowedOrigins: ["*"], AllowedMethods: ["GET"] },
];

function preflight(url: string, origin: string, method: string, headers?: string) {
  const h: Record<string, string> = { origin, "access-control-request-method": method };
  if (headers) h["access-control-request-headers"] = headers;
  return fetch(url, { method: "OPTIONS", headers: h });
}

function corsOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of res.headers) if (k.startsWith("access-control-")) out[k] = v;
  return out;
}

Deno.test("CORS on the S3 and website endpoints", async (t) => {
  if (!await haveCurl()) return;
  await using f = await s3Fixture();
  const { s3, node } = f;
  await s3.send(new CreateBucketCommand({ Bucket: "app" }));
  await s3.send(new PutObjectCommand({ Bucket: "app", Key: "index.html", Body: "<p>hi</p>" }));
  const objectUrl = `${node.s3}/app/index.html`;

  await t.step("a bucket without rules refuses preflights", async () => {
    const res = await preflight(objectUrl, "https://app.example.com", "GET");
    assertEquals(res.status, 403);
    assertMatch(await res.text(), /<Code>AccessForbidden<\/Code>.*CORS is not enabled/);
    await assertS3Error(
      () => s3.send(new GetBucketCorsCommand({ Bucket: "app" })),
      "NoSuchCORSConfiguration",
      404,
    );
  });

  await s3.send(
    new PutBucketCorsCommand({ Bucket: "app", CORSConfiguration: { CORSRules: RULES } }),
  );

  await t.step("the configuration reads back as it was set", async () => {
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: "app" }));
    assertEquals(got.CORSRules, [
      RULES[0],
      { AllowedOrigins: ["*"], AllowedMethods: ["GET"] },
    ]);
  });

  await t.step("a preflight the first rule allows gets that rule's headers", async () => {
    const res = await preflight(
      objectUrl,
      "https://app.example.com",
      "PUT",
      "Content-Type, X-Amz-Date, x-amz-content-sha256",
    );
    assertEquals(res.status, 200);
    assertEquals(corsOf(res), {
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-methods": "GET, PUT, POST",
      "access-control-allow-credentials": "true",
      "access-control-allow-headers": "content-type, x-amz-date, x-amz-content-sha256",
      "access-control-expose-headers": "ETag, x-amz-request-id",
      "access-control-max-age": "600",
    });
    await res.body?.cancel();
    const wild = await preflight(objectUrl, "https://pr-42.preview.example.com", "POST");
    assertEquals(
      wild.headers.get("access-control-allow-origin"),
      "https://pr-42.preview.example.com",
    );
    await wild.body?.cancel();
  });

  await t.step("an origin, method or header no rule allows is refused", async () => {
    for (
      const [origin, method, headers] of [
        ["https://evil.example.com", "PUT", undefined],
        ["https://app.example.com", "DELETE", undefined],
        ["https://app.example.com", "PUT", "authorization-x"],
      ] as const
    ) {
      const res = await preflight(objectUrl, origin, method, headers);
      assertEquals(res.status, 403, `${origin} ${method} ${headers}`);
      assertMatch(await res.text(), /AccessForbidden/);
    }
    const other = await preflight(objectUrl, "https://anyone.example.net", "GET");
    assertEquals(corsOf(other), {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET",
    });
    await other.body?.cancel();
  });

  await t.step("a preflight without Origin or method is a bad request", async () => {
    const res = await fetch(objectUrl, { method: "OPTIONS" });
    assertEquals(res.status, 400);
    assertMatch(await res.text(), /<Code>BadRequest<\/Code>/);
  });

  await t.step("answers to browsers carry the rule's headers, errors included", async () => {
    const ok = await fetch(`${node.s3}/app/index.html`, {
      headers: { origin: "https://app.example.com" },
    });
    // Anonymous: refused, yet readable by the page that asked.
    assertEquals(ok.status, 403);
    assertEquals(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
    assertEquals(ok.headers.get("access-control-expose-headers"), "ETag, x-amz-request-id");
    await ok.body?.cancel();
    const none = await fetch(`${node.s3}/app/index.html`, {
      headers: { origin: "https://evil.example.com" },
    });
    assertEquals(none.headers.get("access-control-allow-origin"), "*", "the open GET rule");
    await none.body?.cancel();
  });

  await t.step("the website endpoint applies the same rules", async () => {
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: "app",
        WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
      }),
    );
    const web = (path: string, method: string, headers: Record<string, string>) =>
      curl(`${node.web}${path}`, { method, headers: { host: "app.web.test", ...headers } });
    const res = await web("/", "GET", { origin: "https://app.example.com" });
    assertEquals([res.status, res.body], [200, "<p>hi</p>"]);
    assertEquals(res.headers.get("access-control-allow-origin"), "https://app.example.com");
    const pre = await web("/index.html", "OPTIONS", {
      origin: "https://x.example.net",
      "access-control-request-method": "GET",
    });
    assertEquals([pre.status, pre.headers.get("access-control-allow-origin")], [200, "*"]);
    const refused = await web("/index.html", "OPTIONS", {
      origin: "https://x.example.net",
      "access-control-request-method": "PUT",
    });
    assertEquals(refused.status, 403);
  });

  await t.step("a bucket policy changes neither the website nor CORS", async () => {
    const web = (path: string, method: string, headers: Record<string, string>) =>
      curl(`${node.web}${path}`, { method, headers: { host: "app.web.test", ...headers } });
    const seen = async () => {
      const page = await web("/", "GET", { origin: "https://app.example.com" });
      const webPre = await web("/index.html", "OPTIONS", {
        origin: "https://x.example.net",
        "access-control-request-method": "GET",
      });
      const s3Pre = await preflight(objectUrl, "https://app.example.com", "PUT", "content-type");
      await s3Pre.body?.cancel();
      return {
        page: [page.status, page.body, page.headers.get("access-control-allow-origin")],
        webPreflight: [webPre.status, webPre.headers.get("access-control-allow-origin")],
        s3Preflight: [s3Pre.status, corsOf(s3Pre)],
      };
    };
    const before = await seen();
    const statement = (effect: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: effect,
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::app/*",
        }],
      });
    await s3.send(new PutBucketPolicyCommand({ Bucket: "app", Policy: statement("Allow") }));
    assertEquals(await seen(), before);
    // Anonymous reads the policy opens carry the rule's headers like any answer.
    const open = await fetch(objectUrl, { headers: { origin: "https://app.example.com" } });
    assertEquals([open.status, await open.text()], [200, "<p>hi</p>"]);
    assertEquals(open.headers.get("access-control-allow-origin"), "https://app.example.com");
    await s3.send(new PutBucketPolicyCommand({ Bucket: "app", Policy: statement("Deny") }));
    assertEquals(await seen(), before);
    const shut = await fetch(objectUrl, { headers: { origin: "https://app.example.com" } });
    assertEquals(shut.status, 403);
    assertEquals(shut.headers.get("access-control-allow-origin"), "https://app.example.com");
    await shut.body?.cancel();
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: "app" }));
  });

  await t.step("invalid rules are refused", async () => {
    const put = (rule: object) => () =>
      s3.send(
        new PutBucketCorsCommand({
          Bucket: "app",
          CORSConfiguration: { CORSRules: [rule as (typeof RULES)[0]] },
        }),
      );
    await assertS3Error(
      put({ AllowedOrigins: ["*"], AllowedMethods: ["PATCH"] }),
      "InvalidRequest",
      400,
    );
    await assertS3Error(
      put({ AllowedOrigins: ["https://*.*.example.com"], AllowedMethods: ["GET"] }),
      "InvalidRequest",
      400,
    );
    await assertS3Error(put({ AllowedOrigins: ["*"], AllowedMethods: [] }), "MalformedXML", 400);
    assertEquals(
      (await s3.send(new GetBucketCorsCommand({ Bucket: "app" }))).CORSRules?.length,
      2,
      "the rules in place stay",
    );
  });

  await t.step("deleting the rules ends CORS for the bucket", async () => {
    await s3.send(new DeleteBucketCorsCommand({ Bucket: "app" }));
    const res = await preflight(objectUrl, "https://app.example.com", "GET");
    assertEquals(res.status, 403);
    await res.body?.cancel();
  });
});
