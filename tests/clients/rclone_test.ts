/**
 * rclone against a fresh node, configured only through RCLONE_CONFIG_REMISE_* variables:
 * bucket creation, copy (multipart included), sync, check, lsf, cat, delete and purge.
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
  tempDir,
} from "./run.ts";

const MULTIPART = ["--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"];

interface RcloneFixture {
  node: TestNode;
  creds: { accessKeyId: string; secretAccessKey: string };
  rclone(args: string[], o?: { allowFailure?: boolean }): Promise<RunResult>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function rcloneFixture(): Promise<RcloneFixture> {
  const base = await clientNode("rclone");
  const { node, creds, home } = base;
  await Deno.writeTextFile(`${home}/rclone.conf`, "");
  const env = {
    RCLONE_CONFIG: `${home}/rclone.conf`,
    RCLONE_CACHE_DIR: `${home}/cache`,
    RCLONE_CONFIG_REMISE_TYPE: "s3",
    RCLONE_CONFIG_REMISE_PROVIDER: "Other",
    RCLONE_CONFIG_REMISE_ENV_AUTH: "false",
    RCLONE_CONFIG_REMISE_ACCESS_KEY_ID: creds.accessKeyId,
    RCLONE_CONFIG_REMISE_SECRET_ACCESS_KEY: creds.secretAccessKey,
    RCLONE_CONFIG_REMISE_ENDPOINT: node.s3,
    RCLONE_CONFIG_REMISE_REGION: node.region,
    RCLONE_CONFIG_REMISE_FORCE_PATH_STYLE: "true",
    // One attempt only: a server error must fail the test, not be retried away.
    RCLONE_RETRIES: "1",
    RCLONE_LOW_LEVEL_RETRIES: "1",
  };
  return {
    ...base,
    rclone: (args, o = {}) => run("rclone", args, { home, env, allowFailure: o.allowFailure }),
  };
}

const TREE: Record<string, number | string> = {
  "top.txt": "top level file\n",
  "empty.txt": "",
  "a/b/c/deep.bin": 200_000,
  "a/b/sibling.txt": 3000,
  "with space/file name.txt": 1234,
  "unicode/héllo wörld ✓.txt": 555,
  "unicode/日本語/ファイル.bin": 4096,
  "plus/a+b=c.txt": 42,
  "percent/100% literal%20.txt": 77,
};

/** The "N differences found" and "N matching files" counts of `rclone check`, or a failure. */
function checkCounts(r: RunResult): { differences: number; matching: number } {
  const diff = /(\d+) differences found/.exec(r.stderr);
  const match = /(\d+) matching files/.exec(r.stderr);
  assert(diff && match, `unexpected rclone check output:\n${r.stderr}`);
  return { differences: Number(diff[1]), matching: Number(match[1]) };
}

Deno.test("rclone copy uploads a tree with a 30 MiB multipart file; lsf, check and cat agree with the source", async (t) => {
  if (!await requireProgram("rclone")) return;
  await using f = await rcloneFixture();
  await using work = await tempDir("rclone-copy");
  const { rclone } = f;
  const src = `${work.path}/src`;
  const big = randomBytes(30 * MiB);
  await makeTree(src, { ...TREE, "large/thirty.bin": big });
  const count = Object.keys(TREE).length + 1;

  await t.step("rclone mkdir creates the bucket and lsd lists it", async () => {
    await rclone(["mkdir", "remise:rc-copy"]);
    const lsd = lines((await rclone(["lsd", "remise:"])).stdout);
    assertEquals(lsd.map((l) => l.split(/\s+/).pop()), ["rc-copy"]);
  });

  await t.step("rclone copy uploads every file", async () => {
    await rclone(["copy", ...MULTIPART, src, "remise:rc-copy/tree"]);
    const lsf = lines((await rclone(["lsf", "-R", "--files-only", "remise:rc-copy/tree"])).stdout);
    assertEquals(lsf.sort(), [...Object.keys(TREE), "large/thirty.bin"].sort());
  });

  await t.step("the 30 MiB file went up as a 6-part multipart upload", async () => {
    const head = await headObject(f.node, f.creds, "rc-copy", "tree/large/thirty.bin");
    assertEquals(head.status, 200);
    assertEquals(head.headers.get("content-length"), String(30 * MiB));
    assertMatch(head.headers.get("etag") ?? "", /^"[0-9a-f]{32}-6"$/);
  });

  await t.step("rclone lsf --format ps reports every size exactly", async () => {
    const lsf = lines(
      (await rclone(["lsf", "-R", "--files-only", "--format", "ps", "remise:rc-copy/tree"]))
        .stdout,
    );
    const want = Object.entries({ ...TREE, "large/thirty.bin": 30 * MiB }).map(([k, v]) =>
      `${k};${typeof v === "number" ? v : new TextEncoder().encode(v).length}`
    );
    assertEquals(lsf.sort(), want.sort());
  });

  await t.step(
    "rclone lsf --format ph lists the MD5 of every file, multipart included",
    async () => {
      const lsf = lines(
        (await rclone(["lsf", "-R", "--files-only", "--format", "ph", "remise:rc-copy/tree"]))
          .stdout,
      );
      const got = Object.fromEntries(lsf.map((l) => l.split(";")));
      assertEquals(got["large/thirty.bin"], md5(big));
      assertEquals(got["top.txt"], md5(new TextEncoder().encode(TREE["top.txt"] as string)));
    },
  );

  await t.step("rclone check compares hashes and reports 0 differences", async () => {
    const r = await rclone(["check", src, "remise:rc-copy/tree"]);
    assertEquals(checkCounts(r), { differences: 0, matching: count });
    assert(!/hashes could not be checked/.test(r.stderr), r.stderr);
  });

  await t.step("rclone check --download compares the bytes and reports 0 differences", async () => {
    const r = await rclone(["check", "--download", src, "remise:rc-copy/tree"]);
    assertEquals(checkCounts(r), { differences: 0, matching: count });
  });

  await t.step("rclone cat prints a whole object and a byte range of one", async () => {
    const top = await rclone(["cat", "remise:rc-copy/tree/top.txt"]);
    assertEquals(top.stdout, TREE["top.txt"]);
    const part = await rclone([
      "cat",
      "--offset",
      String(12 * MiB + 3),
      "--count",
      "1000",
      "remise:rc-copy/tree/large/thirty.bin",
    ]);
    assertEquals(sha256(part.stdoutBytes), sha256(big.subarray(12 * MiB + 3, 12 * MiB + 1003)));
    const odd = await rclone(["cat", "remise:rc-copy/tree/unicode/héllo wörld ✓.txt"]);
    assertEquals(odd.stdoutBytes.length, 555);
  });

  await t.step("rclone copy back downloads the tree byte for byte", async () => {
    await rclone(["copy", "remise:rc-copy/tree", `${work.path}/down`]);
    assertEquals(await hashTree(`${work.path}/down`), await hashTree(src));
  });
});

Deno.test("rclone sync after modifying and deleting files leaves a copy that check reports 0 differences against; delete and purge empty it", async (t) => {
  if (!await requireProgram("rclone")) return;
  await using f = await rcloneFixture();
  await using work = await tempDir("rclone-sync");
  const { rclone } = f;
  const src = `${work.path}/src`;
  await makeTree(src, { ...TREE, "large/seven.bin": 7 * MiB });
  await rclone(["mkdir", "remise:rc-sync"]);
  await rclone(["sync", ...MULTIPART, src, "remise:rc-sync/tree"]);

  await t.step("rclone sync propagates a changed, a removed and an added file", async () => {
    // Same size, new content: only the modification time and hash tell them apart.
    await Deno.writeFile(`${src}/a/b/sibling.txt`, randomBytes(3000));
    await Deno.writeFile(`${src}/large/seven.bin`, randomBytes(7 * MiB));
    await Deno.remove(`${src}/plus/a+b=c.txt`);
    await Deno.remove(`${src}/with space`, { recursive: true });
    await makeTree(src, { "new/added file.txt": 99 });
    await rclone(["sync", ...MULTIPART, src, "remise:rc-sync/tree"]);
    const lsf = lines((await rclone(["lsf", "-R", "--files-only", "remise:rc-sync/tree"])).stdout);
    assertEquals(lsf.sort(), Object.keys(await hashTree(src)).sort());
  });

  await t.step("rclone check after sync reports 0 differences", async () => {
    const files = Object.keys(await hashTree(src)).length;
    const r = await rclone(["check", src, "remise:rc-sync/tree"]);
    assertEquals(checkCounts(r), { differences: 0, matching: files });
    assert(!/hashes could not be checked/.test(r.stderr), r.stderr);
    const d = await rclone(["check", "--download", src, "remise:rc-sync/tree"]);
    assertEquals(checkCounts(d), { differences: 0, matching: files });
  });

  await t.step("rclone check notices an object changed behind its back", async () => {
    await Deno.writeFile(`${work.path}/intruder`, randomBytes(3000));
    await rclone(["copyto", `${work.path}/intruder`, "remise:rc-sync/tree/a/b/sibling.txt"]);
    const r = await rclone(["check", src, "remise:rc-sync/tree"], { allowFailure: true });
    assert(r.code !== 0, "check succeeded although an object differs");
    assertEquals(checkCounts(r).differences, 1);
    await rclone(["sync", src, "remise:rc-sync/tree"]);
    assertEquals(checkCounts(await rclone(["check", src, "remise:rc-sync/tree"])).differences, 0);
  });

  await t.step("rclone delete --include removes only the matching files", async () => {
    await rclone(["delete", "--include", "*.txt", "remise:rc-sync/tree"]);
    const lsf = lines((await rclone(["lsf", "-R", "--files-only", "remise:rc-sync/tree"])).stdout);
    assertEquals(
      lsf.sort(),
      Object.keys(await hashTree(src)).filter((p) => !p.endsWith(".txt")).sort(),
    );
  });

  await t.step("rclone purge removes the bucket with everything in it", async () => {
    await rclone(["purge", "remise:rc-sync"]);
    const lsd = lines((await rclone(["lsd", "remise:"])).stdout);
    assertEquals(lsd, []);
    const head = await headObject(f.node, f.creds, "rc-sync", "tree/large/seven.bin");
    assertEquals(head.status, 404);
  });
});
