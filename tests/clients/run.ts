/**
 * Shared helpers for the real-client suites (aws, rclone, restic, s3cmd): run a program with a
 * clean environment, make trees of random files, and hash trees to compare them byte for byte.
 */
import { createHash, randomFillSync } from "node:crypto";
import { startNode, type TestNode } from "../harness.ts";
import { presign } from "../sigv4.ts";

export interface RunOptions {
  /** The client's own variables; PATH, HOME and a UTF-8 locale are always set. */
  env?: Record<string, string>;
  /** Becomes HOME (required: clients must never read the real user's config). */
  home: string;
  cwd?: string;
  /** Return the result instead of throwing when the program exits non-zero. */
  allowFailure?: boolean;
  /** Kill the program after this many milliseconds (default 90 s). */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for binary output (`rclone cat`, `aws s3 cp … -`). */
  stdoutBytes: Uint8Array;
}

export class CommandError extends Error {}

const CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * Runs `program args…` with only PATH, HOME, a UTF-8 locale and `o.env` in its environment
 * (AWS_CA_BUNDLE and friends from the test's own environment must not leak in). Throws with
 * the command, exit code, stdout and stderr when it exits non-zero, unless `allowFailure`.
 */
export async function run(program: string, args: string[], o: RunOptions): Promise<RunResult> {
  const child = new Deno.Command(program, {
    args,
    cwd: o.cwd,
    clearEnv: true,
    env: {
      PATH: CLEAN_PATH,
      HOME: o.home,
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      PYTHONIOENCODING: "utf-8",
      ...o.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timeoutMs = o.timeoutMs ?? 90_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  const res = {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    stdoutBytes: out.stdout,
  };
  if (timedOut || (res.code !== 0 && !o.allowFailure)) {
    throw new CommandError(
      `${program} ${args.map(quote).join(" ")}\n` +
        (timedOut ? `killed after ${timeoutMs} ms` : `exited with ${res.code}`) +
        `\n--- stdout ---\n${clip(res.stdout)}\n--- stderr ---\n${clip(res.stderr)}`,
    );
  }
  return res;
}

/** Long outputs (a client dumping a binary body in its error) keep their two ends. */
function clip(text: string, max = 6000): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max / 2)}\n[… ${text.length - max} characters …]\n${
    text.slice(-max / 2)
  }`;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
}

/** The first of these paths that exists, else the bare name (looked up on PATH). */
export function programPath(name: string, ...candidates: string[]): string {
  for (const c of candidates) {
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* not there */ }
  }
  return name;
}

/** A temporary folder removed on dispose (`await using dir = await tempDir("x")`). */
export async function tempDir(
  prefix: string,
): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix: `remise-${prefix}-` });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** `n` random bytes (incompressible, so no client or server can shortcut them). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  randomFillSync(out);
  return out;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

/**
 * Writes files under `root`: each entry maps a relative path (folders are created) to a size
 * in bytes (random content) or to the exact content. Their times are set a minute back, as for
 * a tree that existed before a backup ran: S3's LastModified has whole seconds, so a file written
 * in the same second as its upload looks newer than its object, and sync tools send it again.
 */
export async function makeTree(
  root: string,
  files: Record<string, number | string | Uint8Array>,
): Promise<void> {
  for (const [rel, what] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const data = typeof what === "number"
      ? randomBytes(what)
      : typeof what === "string"
      ? new TextEncoder().encode(what)
      : what;
    await Deno.writeFile(path, data);
    const past = new Date(Date.now() - 60_000);
    await Deno.utime(path, past, past);
  }
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path);
  for await (const chunk of f.readable) h.update(chunk);
  return h.digest("hex");
}

/**
 * Every regular file under `root`, by path relative to it ("/"-separated, NFC as written),
 * mapped to its SHA-256; sorted by path so two trees compare with assertEquals.
 */
export async function hashTree(root: string): Promise<Record<string, string>> {
  const found: [string, string][] = [];
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(`${dir}/${e.name}`, r);
      else if (e.isFile) found.push([r, await sha256File(`${dir}/${e.name}`)]);
    }
  };
  await walk(root, "");
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(found);
}

/** The non-empty lines of a command's output, trimmed at the end. */
export function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
}

/** A path-style object URL on the node, with the key's segments percent-encoded. */
export function objectUrl(node: TestNode, bucket: string, key: string): string {
  return `${node.s3}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * HEAD an object with a presigned URL signed by the tests' own signer, independently of the
 * client under test; returns status and headers.
 */
export async function headObject(
  node: TestNode,
  creds: { accessKeyId: string; secretAccessKey: string },
  bucket: string,
  key: string,
): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(presign("HEAD", objectUrl(node, bucket, key), creds, node.region), {
    method: "HEAD",
  });
  await res.body?.cancel();
  return { status: res.status, headers: res.headers };
}

export interface ClientNode {
  node: TestNode;
  creds: { accessKeyId: string; secretAccessKey: string };
  /** A fresh HOME for the client's configuration. */
  home: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A fresh node, a key that may create buckets and a HOME folder, for one client's tests. */
export async function clientNode(client: string): Promise<ClientNode> {
  const node = await startNode();
  try {
    const creds = await node.createKey(client);
    const home = await Deno.makeTempDir({ prefix: `remise-${client}-` });
    return {
      node,
      creds,
      home,
      async [Symbol.asyncDispose]() {
        await node.stop();
        await Deno.remove(home, { recursive: true }).catch(() => {});
      },
    };
  } catch (e) {
    await node.stop();
    throw e;
  }
}
