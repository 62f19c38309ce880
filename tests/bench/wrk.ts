/**
 * Runs wrk with a generated Lua script that rotates over a list of precomputed requests
 * (presigned GET URLs, header-signed PUTs with a fixed x-amz-date), so wrk signs nothing.
 * Each wrk thread takes every n-th request and pre-formats them in init(); done() prints one
 * machine-readable line with the totals and the latency percentiles.
 */
import { type Bench, NO_NGINX } from "./bench.ts";
import { hasProgram, ms, num, runOk } from "./util.ts";

export interface WrkRequest {
  /** Path and query, as sent on the request line. */
  path: string;
  /** Headers of this request only (added to `common`). */
  headers?: Record<string, string>;
}

export interface WrkSpec {
  /** http://host:port — also the Host header wrk sends, which presigned URLs sign. */
  base: string;
  method: string;
  requests: WrkRequest[];
  common?: Record<string, string>;
  /** An ASCII body sent with every request. */
  body?: string;
  threads: number;
  connections: number;
  seconds: number;
  /** Where to write the generated Lua files. */
  dir: string;
  name: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

const SCRIPT = `
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

local reqs = {}
local n = 0
local i = 0
function init(args)
  local data = dofile(args[1])
  local step = tonumber(args[2])
  local first = (tid % math.min(step, #data.reqs)) + 1
  for j = first, #data.reqs, step do
    local r = data.reqs[j]
    local h = {}
    for k, v in pairs(data.common) do h[k] = v end
    for k, v in pairs(r[2]) do h[k] = v end
    n = n + 1
    reqs[n] = wrk.format(data.method, r[1], h, data.body)
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-RESULT %d %d %d %d %d %d %d %d %d %d\\n",
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** A Lua string literal for printable ASCII (JSON escapes are valid Lua for it). */
function lua(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`not printable ASCII: ${s.slice(0, 40)}`);
  return JSON.stringify(s);
}

function table(h: Record<string, string> = {}): string {
  return "{" + Object.entries(h).map(([k, v]) => `[${lua(k)}]=${lua(v)}`).join(",") + "}";
}

function dataFile(spec: WrkSpec): string {
  // Lua allows 65,536 constants per function, two or so per request: the list is built by
  // functions of REQUESTS_PER_FUNCTION requests each.
  const lines = ["local reqs = {}"];
  for (let i = 0; i < spec.requests.length; i += REQUESTS_PER_FUNCTION) {
    lines.push(
      "for _, r in ipairs((function() return {",
      ...spec.requests.slice(i, i + REQUESTS_PER_FUNCTION).map((r) =>
        `{${lua(r.path)},${table(r.headers)}},`
      ),
      "} end)()) do reqs[#reqs + 1] = r end",
    );
  }
  lines.push(
    "return {",
    `method = ${lua(spec.method)},`,
    `body = ${spec.body === undefined ? "nil" : lua(spec.body)},`,
    `common = ${table(spec.common)},`,
    "reqs = reqs}",
  );
  return lines.join("\n") + "\n";
}

const REQUESTS_PER_FUNCTION = 10_000;

/** Runs wrk, or returns null (with a message) when it is not installed. */
export async function runWrk(spec: WrkSpec): Promise<WrkResult | null> {
  if (!await hasProgram("wrk")) return null;
  const script = `${spec.dir}/wrk-${spec.name}.lua`;
  const data = `${spec.dir}/wrk-${spec.name}-data.lua`;
  await Deno.writeTextFile(script, SCRIPT);
  await Deno.writeTextFile(data, dataFile(spec));
  const o = await runOk("wrk", [
    `-t${spec.threads}`,
    `-c${spec.connections}`,
    `-d${spec.seconds}s`,
    "--latency",
    "--timeout",
    "10s",
    "-s",
    script,
    spec.base,
    "--",
    data,
    String(spec.threads),
  ]);
  const m = /^BENCH-RESULT (.*)$/m.exec(o.stdout);
  if (!m) throw new Error(`wrk printed no result:\n${o.stdout}\n${o.stderr}`);
  const [duration, requests, bytes, connect, read, write, status, timeout, p50, p99] = m[1]
    .split(" ").map(Number);
  const seconds = duration / 1e6;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50,
    p99,
    bytes,
    errors: { connect, read, write, status, timeout },
  };
}

/** "" when wrk saw no errors, else a short description for the notes. */
export function wrkErrors(r: WrkResult): string {
  const parts = Object.entries(r.errors).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return parts.length ? `errors: ${parts.join(", ")} of ${r.requests}` : "";
}

/** A table cell for a wrk run: rate and latencies. */
export function wrkCell(r: WrkResult | null): string {
  if (!r) return "n/a (no wrk)";
  return `${num(r.rps)}/s · p50 ${ms(r.p50)} ms · p99 ${ms(r.p99)} ms`;
}

/**
 * Adds a row comparing a Remise run with its nginx reference (null when nginx is missing), and
 * notes any errors either run had. `target` turns the ratio into the verdict.
 */
export function reportWrk(
  b: Bench,
  scenario: string,
  mine: WrkResult | null,
  ref: WrkResult | null,
  target?: (ratio: number | undefined) => string | undefined,
): void {
  const ratio = mine && ref ? mine.rps / ref.rps : undefined;
  b.report.rows.push({
    scenario,
    remise: wrkCell(mine),
    reference: b.nginx ? wrkCell(ref) : NO_NGINX,
    ratio,
    target: target?.(ratio),
  });
  for (const [who, r] of [["Remise", mine], ["nginx", ref]] as const) {
    const e = r && wrkErrors(r);
    if (e) b.report.notes.push(`${scenario}, ${who}: ${e}`);
  }
}
