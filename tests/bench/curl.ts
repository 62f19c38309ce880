/** curl transfers timed by curl itself (time_total), for the large-object rows. */
import { run } from "./util.ts";

export interface Transfer {
  status: number;
  seconds: number;
  bytes: number;
}

function parse(out: string): Transfer {
  const [status, seconds, up, down] = out.trim().split(" ").map(Number);
  return { status, seconds, bytes: Math.max(up, down) };
}

const WRITE_OUT = "%{http_code} %{time_total} %{size_upload} %{size_download}";

/** The curl arguments of an upload of `file` (PUT), answer discarded. */
export function uploadArgs(file: string, url: string): string[] {
  return ["-sS", "-o", "/dev/null", "-w", WRITE_OUT + "\\n", "-T", file, url];
}

/** PUTs a file; throws unless the server answers 2xx. */
export async function curlPut(file: string, url: string): Promise<Transfer> {
  return check(await run("curl", uploadArgs(file, url)), "PUT", url);
}

/** GETs a URL into /dev/null; throws unless the server answers 2xx. */
export async function curlGet(url: string): Promise<Transfer> {
  return check(await run("curl", ["-sS", "-o", "/dev/null", "-w", WRITE_OUT, url]), "GET", url);
}

function check(o: { code: number; stdout: string; stderr: string }, m: string, url: string) {
  const t = parse(o.stdout);
  if (o.code !== 0 || t.status < 200 || t.status > 299) {
    throw new Error(`curl ${m} ${url}: exit ${o.code}, HTTP ${t.status} ${o.stderr}`);
  }
  return t;
}

/** Parses the http codes of several transfers (one write-out line each). */
export function parseMany(out: string): Transfer[] {
  return out.trim().split("\n").filter((l) => l.trim()).map(parse);
}
