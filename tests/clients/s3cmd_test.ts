/**
 * s3cmd against a fresh node, configured by a generated ~/.s3cfg (path-style, SigV4, plain
 * HTTP): buckets, puts (multipart included), listings, info, gets, sync, deletes.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { requireProgram, type TestNode } from "../harness.ts";
import {
  clientNode,
  hashTree,
  headObject,
  lines,
  makeTree,
  md5,
  MiB,
  randomBytes,
  run,
  type RunResult,
  sha256,
  sha256File,
  tempDir,
} from "./run.ts";

interface S3cmdFixture {
  node: TestNode;
  creds: { accessKeyId: string; secretAccessKey: string };
  s3cmd(args: string[], o?: { allowFailure?: boolean }): Promise<RunResult>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function s3cmdFixture(): Promise<S3cmdFixture> {
  const base = await clientNode("s3cmd");
  const { node, creds, home } = base;
  const host = new URL(node.s3).host;
  const cfg = `${home}/.s3cfg`;
  await Deno.writeTextFile(
    cfg,
    [
      "[default]",
      `access_key = ${creds.accessKeyId}`,
      `secret_key = ${creds.secretAccessKey}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      "use_https = False",
      "signature_v2 = False",
      `bucket_location = ${node.region}`,
      "progress_meter = False",
      "",
    ].join("\n"),
  );
  return {
    ...base,
    s3cmd: (args, o = {}) =>
      run("s3cmd", ["-c", cfg, "--no-progress", ...args], { home, allowFailure: o.allowFailure }),
  };
}

/** The URIs (last column) of `s3cmd ls`/`la` output lines. */
const uris = (r: RunResult) => lines(r.stdout).map((l) => l.split(/\s+s3:\/\//).pop()!);

Deno.test("s3cmd mb, put (16 MiB multipart included), ls, la, info, get, del and rb", async (t) => {
  if (!await requireProgram("s3cmd")) return;
  await using f = await s3cmdFixture();
  await using work = await tempDir("s3cmd");
  const { s3cmd } = f;
  const B = "s3cmd-basic";
  const small = randomBytes(2500);
  const big = randomBytes(16 * MiB);
  await Deno.writeFile(`${work.path}/small.txt`, small);
  await Deno.writeFile(`${work.path}/big.bin`, big);

  await t.step("s3cmd mb creates a bucket that s3cmd ls lists", async () => {
    const mb = await s3cmd(["mb", `s3://${B}`]);
    assertMatch(mb.stdout, new RegExp(`Bucket 's3://${B}/' created`));
    const ls = lines((await s3cmd(["ls"])).stdout);
    assertEquals(ls.length, 1, ls.join("\n"));
    assertMatch(ls[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+s3://${B}$`));
  });

  await t.step("s3cmd put uploads a small file in one request", async () => {
    const put = await s3cmd(["put", `${work.path}/small.txt`, `s3://${B}/docs/small.txt`]);
    assertMatch(put.stdout, /upload: .*small\.txt' -> 's3:\/\/s3cmd-basic\/docs\/small\.txt'/);
    const head = await headObject(f.node, f.creds, B, "docs/small.txt");
    assertEquals(head.headers.get("etag"), `"${md5(small)}"`);
  });

  await t.step("s3cmd put --multipart-chunk-size-mb=5 uploads 16 MiB in 4 parts", async () => {
    const put = await s3cmd([
      "put",
      "--multipart-chunk-size-mb=5",
      `${work.path}/big.bin`,
      `s3://${B}/big.bin`,
    ]);
    assertMatch(put.stdout, new RegExp(`upload: .* -> 's3://${B}/big\\.bin' \\(${16 * MiB} bytes`));
    const head = await headObject(f.node, f.creds, B, "big.bin");
    assertEquals(head.headers.get("content-length"), String(16 * MiB));
    assertMatch(head.headers.get("etag") ?? "", /^"[0-9a-f]{32}-4"$/);
  });

  await t.step("s3cmd ls shows a folder and the object with its size", async () => {
    const ls = lines((await s3cmd(["ls", `s3://${B}`])).stdout);
    assertEquals(ls.length, 2, ls.join("\n"));
    assertMatch(ls.find((l) => l.includes("DIR")) ?? "", new RegExp(`DIR\\s+s3://${B}/docs/$`));
    assertMatch(
      ls.find((l) => l.endsWith("big.bin")) ?? "",
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+${16 * MiB}\\s+s3://${B}/big\\.bin$`),
    );
  });

  await t.step("s3cmd ls --recursive and la list every object", async () => {
    const rec = await s3cmd(["ls", "--recursive", `s3://${B}`]);
    assertEquals(uris(rec).sort(), [`${B}/big.bin`, `${B}/docs/small.txt`]);
    await s3cmd(["mb", `s3://${B}-other`]);
    await s3cmd(["put", `${work.path}/small.txt`, `s3://${B}-other/copy.txt`]);
    // `la` lists the top level of every bucket, folders as DIR entries.
    const la = await s3cmd(["la"]);
    assertEquals(uris(la).sort(), [`${B}-other/copy.txt`, `${B}/big.bin`, `${B}/docs/`]);
  });

  await t.step("s3cmd info reports size and the MD5 of the multipart object", async () => {
    const info = await s3cmd(["info", `s3://${B}/big.bin`]);
    assertMatch(info.stdout, new RegExp(`File size: ${16 * MiB}\\n`), info.stdout);
    assertMatch(info.stdout, new RegExp(`MD5 sum:\\s+${md5(big)}\\n`), info.stdout);
  });

  await t.step("s3cmd info on the bucket reports its location", async () => {
    const info = await s3cmd(["info", `s3://${B}`]);
    assertMatch(info.stdout, new RegExp(`Location:\\s+${f.node.region}\\n`), info.stdout);
  });

  await t.step("s3cmd get downloads both files byte for byte", async () => {
    const a = await s3cmd(["get", `s3://${B}/docs/small.txt`, `${work.path}/small.down`]);
    const b = await s3cmd(["get", `s3://${B}/big.bin`, `${work.path}/big.down`]);
    assertEquals(await sha256File(`${work.path}/small.down`), sha256(small));
    assertEquals(await sha256File(`${work.path}/big.down`), sha256(big));
    for (const r of [a, b]) assert(!/MD5 signatures do not match/.test(r.stderr), r.stderr);
  });

  await t.step("s3cmd rb refuses a bucket that still holds objects", async () => {
    const rb = await s3cmd(["rb", `s3://${B}`], { allowFailure: true });
    assert(rb.code !== 0, `rb of a non-empty bucket succeeded:\n${rb.stdout}`);
    assertMatch(rb.stderr, /BucketNotEmpty|not empty/i);
  });

  await t.step("s3cmd del deletes one object and leaves the other", async () => {
    const del = await s3cmd(["del", `s3://${B}/docs/small.txt`]);
    assertMatch(del.stdout, /delete: 's3:\/\/s3cmd-basic\/docs\/small\.txt'/);
    const rec = await s3cmd(["ls", "--recursive", `s3://${B}`]);
    assertEquals(uris(rec), [`${B}/big.bin`]);
  });

  await t.step("s3cmd del --recursive --force then rb removes the buckets", async () => {
    await s3cmd(["del", "--recursive", "--force", `s3://${B}`]);
    await s3cmd(["del", "--recursive", "--force", `s3://${B}-other`]);
    const rb = await s3cmd(["rb", `s3://${B}`, `s3://${B}-other`]);
    assertMatch(rb.stdout, new RegExp(`Bucket 's3://${B}/' removed`));
    assertEquals(lines((await s3cmd(["ls"])).stdout), []);
  });
});

Deno.test("s3cmd sync round-trips a nested tree with spaces, unicode, + and % in names", async (t) => {
  if (!await requireProgram("s3cmd")) return;
  await using f = await s3cmdFixture();
  await using work = await tempDir("s3cmd-sync");
  const { s3cmd } = f;
  const B = "s3cmd-sync";
  const src = `${work.path}/src`;
  const files: Record<string, number | string> = {
    "top.txt": "top level\n",
    "a/b/c/deep.bin": 70_000,
    "a/b/sibling.txt": 300,
    "with space/file name.txt": 1234,
    "unicode/héllo wörld ✓.txt": 555,
    "unicode/日本語/ファイル.bin": 4096,
    "plus/a+b=c.txt": 42,
    "percent/100% literal%20.txt": 77,
    "large/six.bin": 6 * MiB,
  };
  await makeTree(src, files);
  await s3cmd(["mb", `s3://${B}`]);
  const remote = `s3://${B}/tree/`;

  await t.step("s3cmd sync uploads every file under the exact key", async () => {
    const up = await s3cmd(["sync", "--multipart-chunk-size-mb=5", `${src}/`, remote]);
    const uploads = lines(up.stdout).filter((l) => l.startsWith("upload: "));
    assertEquals(uploads.length, Object.keys(files).length, up.stdout);
    const rec = await s3cmd(["ls", "--recursive", remote]);
    assertEquals(uris(rec).sort(), Object.keys(files).map((k) => `${B}/tree/${k}`).sort());
  });

  await t.step("a second s3cmd sync with no local change uploads nothing", async () => {
    const again = await s3cmd(["sync", "--multipart-chunk-size-mb=5", `${src}/`, remote]);
    assertEquals(lines(again.stdout).filter((l) => l.startsWith("upload: ")), [], again.stdout);
  });

  await t.step("s3cmd sync downloads the tree back byte for byte", async () => {
    await s3cmd(["sync", remote, `${work.path}/down/`]);
    assertEquals(await hashTree(`${work.path}/down`), await hashTree(src));
  });

  await t.step(
    "s3cmd sync --delete-removed propagates a change, a removal and an addition",
    async () => {
      await Deno.writeFile(`${src}/a/b/sibling.txt`, randomBytes(300));
      await Deno.remove(`${src}/plus/a+b=c.txt`);
      await makeTree(src, { "new/added file.txt": 99 });
      const up = await s3cmd([
        "sync",
        "--delete-removed",
        "--multipart-chunk-size-mb=5",
        `${src}/`,
        remote,
      ]);
      assertMatch(up.stdout, /delete: 's3:\/\/s3cmd-sync\/tree\/plus\/a\+b=c\.txt'/, up.stdout);
      const rec = await s3cmd(["ls", "--recursive", remote]);
      assertEquals(
        uris(rec).sort(),
        Object.keys(await hashTree(src)).map((k) => `${B}/tree/${k}`).sort(),
      );
      await s3cmd(["sync", "--delete-removed", remote, `${work.path}/down/`]);
      assertEquals(await hashTree(`${work.path}/down`), await hashTree(src));
    },
  );
});
