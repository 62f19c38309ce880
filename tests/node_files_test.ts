/**
 * What a node leaves on disk is its user's alone (the metadata keeps secret keys in clear, the
 * blocks are the objects), and its admin token is not printed where logs keep it.
 */
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ROOT, RPC_SECRET, SERVER_V8_FLAGS, socketFolder, startNode } from "./harness.ts";
import { randomBytes, s3Fixture } from "./s3/client.ts";

/** Every path below `dir` whose mode lets another user read, write or enter it. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    const mode = (await Deno.lstat(path)).mode! & 0o777;
    if (mode & 0o077) found.push(`${path} ${mode.toString(8)}`);
    if (e.isDirectory) found.push(...await openToOthers(path));
  }
  return found;
}

Deno.test("metadata and data are created readable by the node's user only", async () => {
  await using f = await s3Fixture();
  await f.s3.send(new CreateBucketCommand({ Bucket: "private" }));
  await f.s3.send(
    new PutObjectCommand({ Bucket: "private", Key: "big", Body: randomBytes(3 * 1024 * 1024) }),
  );
  const blocks = [];
  for await (const e of Deno.readDir(join(f.node.dir, "data"))) blocks.push(e.name);
  assert(blocks.length > 0, "the object was stored in blocks");
  for (const sub of ["meta", "data"]) {
    const mode = (await Deno.stat(join(f.node.dir, sub))).mode! & 0o777;
    assertEquals(mode.toString(8), "700", sub);
    assertEquals(await openToOthers(join(f.node.dir, sub)), [], sub);
  }
});

Deno.test("a node warns at start when its folders are open to other users", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  try {
    await Deno.mkdir(join(dir, "meta"), { mode: 0o755 });
    await Deno.chmod(join(dir, "meta"), 0o755);
    const node = await startNode({ dir });
    await node.stop();
    assertMatch(node.stderr(), /metadata_dir is open to other local users: run `chmod -R go-rwx /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a generated admin token is shown once, on the first start, then only where it is kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  const config = join(dir, "config.toml");
  await Deno.writeTextFile(
    config,
    [
      `metadata_dir = "${dir}/meta"`,
      `data_dir = "${dir}/data"`,
      `replication_factor = 1`,
      `rpc_secret = "${RPC_SECRET}"`,
      `rpc_bind_addr = "127.0.0.1:0"`,
      `[s3_api]`,
      `api_bind_addr = "127.0.0.1:0"`,
      `s3_region = "garage"`,
      `[admin]`,
      `api_bind_addr = "127.0.0.1:0"`,
    ].join("\n"),
  );
  /** The banner a start prints, up to its last line. */
  const banner = async (): Promise<string> => {
    const p = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--unstable-kv",
        SERVER_V8_FLAGS,
        `${ROOT}server/main.ts`,
        "-c",
        config,
        "server",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
      env: { REMISE_LOG: "warn" },
    }).spawn();
    let out = "";
    const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
    while (!out.includes("bucket allow")) {
      const { done, value } = await reader.read();
      if (done) break;
      out += value;
    }
    p.kill("SIGTERM");
    await reader.cancel();
    await p.status;
    return out;
  };
  try {
    const first = await banner();
    const token = (await Deno.readTextFile(join(dir, "meta", "admin_token"))).trim();
    assertMatch(first, new RegExp(`Admin token: +${token} +\\(generated now and shown this once`));
    const second = await banner();
    assert(!second.includes(token), `the token is printed again:\n${second}`);
    assertMatch(second, /Admin token: +kept in .*admin_token/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a node killed and started again leaves nothing in the temporary folder", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "remise-test-tmp-" });
  const env = { TMPDIR: tmp };
  const first = await startNode({ env });
  try {
    await first.kill();
    const again = await startNode({ dir: first.dir, env });
    const res = await fetch(`${again.s3}/`);
    await res.body?.cancel();
    assertEquals(res.status, 403, "the restarted node answers");
    const folders = [];
    for await (const e of Deno.readDir(tmp)) folders.push(e.name);
    assertEquals(folders.length, 1, "one folder, taken back by the new start");
    const sockets = [];
    for await (const e of Deno.readDir(join(tmp, folders[0]))) sockets.push(e.name);
    assertEquals(sockets.sort(), ["admin.sock", "s3.sock", "web.sock"]);
    const mode = (await Deno.stat(join(tmp, folders[0]))).mode! & 0o777;
    assertEquals(mode.toString(8), "700");
    await again.stop();
    const left = [];
    for await (const e of Deno.readDir(tmp)) left.push(e.name);
    assertEquals(left, []);
  } finally {
    await Deno.remove(first.dir, { recursive: true }).catch(() => {});
    await Deno.remove(tmp, { recursive: true });
  }
});

/**
 * Plants what another local user could leave at a node's socket folder's name: a folder open to
 * others, or a link to a folder of theirs (here one the node's user could enter, to show the link
 * itself is refused); the node must put its sockets elsewhere and say so.
 */
async function plantedFolderRefused(plant: (at: string, target: string) => Promise<void>) {
  const tmp = await Deno.makeTempDir({ prefix: "remise-test-tmp-" });
  const dir = await Deno.makeTempDir({ prefix: "remise-test-" });
  const target = await Deno.makeTempDir({ prefix: "remise-test-target-" });
  try {
    const planted = socketFolder(dir, { TMPDIR: tmp });
    await plant(planted, target);
    const node = await startNode({ dir, env: { TMPDIR: tmp } });
    const res = await fetch(`${node.s3}/`);
    await res.body?.cancel();
    assertEquals(res.status, 403, "the node answers");
    const inPlanted = [];
    for await (const e of Deno.readDir(planted)) inPlanted.push(e.name);
    await node.stop();
    assertEquals(inPlanted, []);
    assertMatch(node.stderr(), /the sockets' folder is not this user's alone/);
  } finally {
    for (const d of [dir, tmp, target]) await Deno.remove(d, { recursive: true });
  }
}

Deno.test("a sockets' folder open to others is not used", () =>
  plantedFolderRefused(async (at) => {
    await Deno.mkdir(at);
    await Deno.chmod(at, 0o755);
  }));

Deno.test("a link in place of the sockets' folder is not followed", () =>
  plantedFolderRefused((at, target) => Deno.symlink(target, at)));
