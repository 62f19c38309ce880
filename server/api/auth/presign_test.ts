import { assertEquals, assertMatch, assertRejectsWith } from "../../../tests/assert.ts";
import { RequestTarget } from "../../util/target.ts";
import { S3Error } from "../error.ts";
import { presignGet } from "./presign.ts";
import { authenticate } from "./signature.ts";

const KEY = { accessKeyId: "GK0123456789abcdef01234567", secret: "s3cr3t" };

function presigned(key: string, now: Date, expiresInSecs = 600) {
  return presignGet({
    endpoint: "http://s3.example.test:3900",
    bucket: "photos",
    key,
    ...KEY,
    region: "garage",
    expiresInSecs,
    now,
  });
}

function check(url: string, now: Date) {
  return authenticate({ method: "GET", url: new RequestTarget(url), headers: new Headers() }, {
    region: "garage",
    lookup: (id) => id === KEY.accessKeyId ? KEY.secret : undefined,
    now,
  });
}

Deno.test("a presigned URL is accepted by the server's own signature check", async () => {
  const now = new Date("2026-11-22T10:00:00Z");
  for (const key of ["a.txt", "holiday 2026/été & co+(1).jpg", "deep/dir/~x*y"]) {
    const url = presigned(key, now);
    assertMatch(url, /^http:\/\/s3\.example\.test:3900\/photos\//);
    const auth = await check(url, new Date(now.getTime() + 60_000));
    assertEquals(auth?.accessKeyId, KEY.accessKeyId, key);
  }
});

Deno.test("a presigned URL stops working when it expires", async () => {
  const now = new Date("2026-11-22T10:00:00Z");
  const url = presigned("a.txt", now, 60);
  const e = await assertRejectsWith(() => check(url, new Date(now.getTime() + 61_000)), S3Error);
  assertEquals(e.code, "AccessDenied");
});
