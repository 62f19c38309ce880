/**
 * Small helpers shared by the benchmark scenarios: free ports, external programs, child
 * processes that must all be stopped at the end, files of random bytes, /proc readings.
 */
import { randomFillSync } from "node:crypto";

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** A port nothing listens on right now (the kernel picks it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const programs = new Map<string, boolean>();

/** Whether a program is on PATH; prints once how to install it when it is not. */
export async function hasProgram(name: string, pkg = name): Promise<boolean> {
  if (!programs.has(name)) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output().then((o) => o.success);
    if (!found) console.log(`SKIP: ${name} is not installed (apt-get install -y ${pkg})`);
    programs.set(name, found);
  }
  return programs.get(name)!;
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and returns its exit code and text output. */
export async function run(program: string, args: string[], cwd?: string): Promise<Output> {
  const child = spawn(program, args, { stdout: "piped", stderr: "piped", cwd });
  const o = await child.output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

/** Like run, but throws with the program's output when it fails. */
export async function runOk(program: string, args: string[], cwd?: string): Promise<Output> {
  const o = await run(program, args, cwd);
  if (o.code !== 0) {
    throw new Error(`${program} ${args.join(" ")} exited ${o.code}:\n${o.stdout}\n${o.stderr}`);
  }
  return o;
}

const children = new Set<Deno.ChildProcess>();

/** Spawns a child that `stopChildren()` ends if the bench stops before it does. */
export function spawn(
  program: string,
  args: string[],
  o: Omit<Deno.CommandOptions, "args"> = {},
): Deno.ChildProcess {
  const child = new Deno.Command(program, { stdin: "null", ...o, args }).spawn();
  children.add(child);
  child.status.finally(() => children.delete(child));
  return child;
}

/** Ends every child still running (each by its own pid) and waits for it. */
export async function stopChildren(): Promise<void> {
  for (const c of [...children]) {
    try {
      c.kill("SIGTERM");
    } catch {
      // already gone
    }
    await c.status.catch(() => {});
  }
}

/** Writes `size` random bytes to `path`. */
export async function randomFile(path: string, size: number): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const buf = new Uint8Array(Math.min(size, 4 * MiB));
    for (let left = size; left > 0;) {
      const n = Math.min(left, buf.length);
      randomFillSync(buf, 0, n);
      let off = 0;
      while (off < n) off += await f.write(buf.subarray(off, n));
      left -= n;
    }
  } finally {
    f.close();
  }
}

/** VmHWM (peak resident set) and VmRSS of a process, in bytes. */
export async function memoryOf(pid: number): Promise<{ peak: number; rss: number }> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0);
  return { peak: kb("VmHWM") * 1024, rss: kb("VmRSS") * 1024 };
}

/** The best (smallest) of several timings of `fn`, in seconds. */
export async function bestOf(times: number, fn: () => Promise<number>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) best = Math.min(best, await fn());
  return best;
}

/** CPU seconds a process has used so far (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start after its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until a process has been nearly idle (under 5% of a core) for a whole second, or for
 * `maxSeconds`: after a bulk load, a node still folds the writes into its Merkle trees and
 * collects their garbage, which would be measured as part of whatever comes next.
 */
export async function settle(pid: number, maxSeconds = 60): Promise<number> {
  const t0 = performance.now();
  let before = await cpuSeconds(pid);
  while (performance.now() - t0 < maxSeconds * 1000) {
    await sleep(1000);
    const now = await cpuSeconds(pid);
    if (now - before < 0.05) break;
    before = now;
  }
  return (performance.now() - t0) / 1000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A number with thousands separators and `digits` decimals. */
export function num(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Latency in milliseconds from microseconds, with enough digits to be useful. */
export function ms(us: number): string {
  const v = us / 1000;
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** Bytes of the files below a folder. */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    total += e.isDirectory ? await dirBytes(p) : (await Deno.stat(p)).size;
  }
  return total;
}
