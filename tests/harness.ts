/**
 * Starts real Remise node processes for tests, on loopback ports they pick themselves, with
 * their data in a temporary folder; `stop()` ends the process and removes the folder.
 */
import { fileURLToPath } from "node:url";
import { socketFolderPath } from "../server/net/http_gate.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/**
 * The V8 settings a node runs with, as `deno task serve` and `deno task compile` give them: a
 * young generation of 4 MiB semi-spaces (V8's default is 16) keeps 32 concurrent uploads
 * under 200 MiB of RSS, at no measured cost in requests per second.
 */
export const SERVER_V8_FLAGS = "--v8-flags=--max-semi-space-size=4";
export const RPC_SECRET = "7b1c3f0a9e2d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b";

export interface NodeOptions {
  /** Extra top-level TOML lines (e.g. `block_size = 65536`). */
  extraToml?: string;
  /** The cluster secret; every test node shares RPC_SECRET unless a test wants an outsider. */
  rpcSecret?: string;
  /** A fixed peer port (0, the default, lets the system pick one). */
  rpcPort?: number;
  /** 1 unless a cluster test says otherwise. */
  replicationFactor?: number;
  /** Give the node a role at start (dev-style); true unless a test wants an empty layout. */
  autoLayout?: boolean;
  region?: string;
  rootDomain?: string;
  /** Extra `[s3_api]` lines (e.g. `allow_public_write = true`). */
  s3Toml?: string;
  /** Reuse a data folder (restart after a crash). */
  dir?: string;
  env?: Record<string, string>;
  /**
   * A command the node is started under, e.g. `["ip", "netns", "exec", "rmz-x-1"]`. It must
   * exec the node in place (as `ip netns exec`, `env` or `nice` do), so that the child's pid is
   * the node's and `kill()`/`stop()` signal the node itself.
   */
  wrapper?: string[];
  /** The address the S3, admin, web and peer listeners bind; 127.0.0.1 unless given. */
  bindHost?: string;
}

export interface TestNode {
  dir: string;
  configPath: string;
  s3: string;
  admin: string;
  /** The website endpoint; buckets are under `.web.test` (Host header) or global aliases. */
  web: string;
  adminToken: string;
  region: string;
  process: Deno.ChildProcess;
  /**
   * The folder of the node's gate sockets (server/net/http_gate.ts): a killed node leaves it,
   * `stop()` removes it.
   */
  sockets: string;
  /** Calls the admin API and returns the parsed JSON (throws on a non-2xx answer). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A key allowed to create buckets, with its secret. */
  createKey(name?: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  /** Ends the process as `kill -9` would, keeping the data folder. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Writes a config naming the node's actual ports (for command-line tests). */
  writeClientConfig(): Promise<string>;
  stderr(): string;
}

function configText(
  dir: string,
  o: NodeOptions,
  ports = { s3: 0, admin: 0, web: 0, rpc: o.rpcPort ?? 0 },
): string {
  const region = o.region ?? "garage";
  const host = o.bindHost ?? "127.0.0.1";
  return [
    `metadata_dir = "${dir}/meta"`,
    `data_dir = "${dir}/data"`,
    `replication_factor = ${o.replicationFactor ?? 1}`,
    `rpc_secret = "${o.rpcSecret ?? RPC_SECRET}"`,
    `rpc_bind_addr = "${host}:${ports.rpc}"`,
    o.extraToml ?? "",
    `[s3_api]`,
    `api_bind_addr = "${host}:${ports.s3}"`,
    `s3_region = "${region}"`,
    o.rootDomain ? `root_domain = "${o.rootDomain}"` : "",
    o.s3Toml ?? "",
    `[s3_web]`,
    `bind_addr = "${host}:${ports.web}"`,
    `root_domain = ".web.test"`,
    `[admin]`,
    `api_bind_addr = "${host}:${ports.admin}"`,
    `admin_token = "test-admin-token"`,
    `metrics_token = "test-metrics-token"`,
    o.autoLayout === false ? "" : `[auto_layout]\nzone = "dc1"\ncapacity = "100G"`,
    "",
  ].join("\n");
}

export async function startNode(o: NodeOptions = {}): Promise<TestNode> {
  const dir = o.dir ?? await Deno.makeTempDir({ prefix: "remise-test-" });
  const configPath = `${dir}/config.toml`;
  await Deno.writeTextFile(configPath, configText(dir, o));
  const command = [
    Deno.execPath(),
    "run",
    "-A",
    "--unstable-kv",
    SERVER_V8_FLAGS,
    `${ROOT}server/main.ts`,
    "-c",
    configPath,
    "server",
  ];
  const [program, ...args] = [...(o.wrapper ?? []), ...command];
  const process = new Deno.Command(program, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { REMISE_LOG: Deno.env.get("REMISE_LOG") ?? "warn", ...o.env },
  }).spawn();
  let errText = "";
  (async () => {
    const dec = new TextDecoder();
    for await (const c of process.stderr) errText += dec.decode(c);
  })();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = Date.now() + 60_000;
  let ready: { s3: string; admin: string; web: string } | undefined;
  while (!ready) {
    if (Date.now() > deadline) throw new Error(`node did not start:\n${out}\n${errText}`);
    const { done, value } = await lines.read();
    if (done) throw new Error(`node exited before it was ready:\n${out}\n${errText}`);
    out += value;
    const m = /^listening s3=(\S+) admin=(\S+) web=(\S+)$/m.exec(out);
    if (m) ready = { s3: m[1], admin: m[2], web: m[3] };
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    for (;;) if ((await lines.read()).done) break;
  })().catch(() => {});
  let exited = false;
  const status = process.status.then((s) => {
    exited = true;
    return s;
  });
  const adminToken = "test-admin-token";
  const node: TestNode = {
    dir,
    configPath,
    ...ready,
    adminToken,
    region: o.region ?? "garage",
    process,
    sockets: socketFolder(dir, o.env),
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${ready!.admin}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    async createKey(name = "test") {
      const k = await node.api<{ accessKeyId: string; secretAccessKey: string }>(
        "POST",
        "/v2/CreateKey",
        { name, allow: { createBucket: true } },
      );
      return { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
    },
    async kill() {
      if (!exited) process.kill("SIGKILL");
      await status;
    },
    async stop() {
      if (!exited) process.kill("SIGTERM");
      await status;
      // REMISE_TEST_LOG=file keeps every node's log for a look after a failure.
      const logFile = Deno.env.get("REMISE_TEST_LOG");
      if (logFile) {
        await Deno.writeTextFile(logFile, `--- node ${dir}\n${errText}`, { append: true });
      }
      await Deno.remove(node.sockets, { recursive: true }).catch(() => {});
      if (!o.dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async writeClientConfig() {
      const port = (u: string) => Number(new URL(u).port);
      const path = `${dir}/client.toml`;
      await Deno.writeTextFile(
        path,
        configText(dir, o, {
          s3: port(ready!.s3),
          admin: port(ready!.admin),
          web: port(ready!.web),
          rpc: 0,
        }),
      );
      return path;
    },
    stderr: () => errText,
  };
  return node;
}

/** Whether an external program is on PATH; in CI a missing one fails the test instead. */
/** Where a node on `dir` keeps its gate sockets, with the environment it was given. */
export function socketFolder(dir: string, env?: Record<string, string>): string {
  return socketFolderPath(`${dir}/meta`, env?.TMPDIR);
}

export async function requireProgram(name: string): Promise<boolean> {
  const found = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
    .output().then((o) => o.success);
  if (found) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error(`${name} is required in CI and is not installed`);
  }
  console.log(`SKIP: ${name} is not installed (apt-get install ${name})`);
  return false;
}
