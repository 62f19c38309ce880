/**
 * Row 2: header-signed 1 KiB PUTs at concurrency 32. wrk cannot sign, so the requests are
 * signed here beforehand (distinct keys, one x-amz-date valid 15 minutes, the body's SHA-256
 * as payload hash, so the server hashes and checks every body) and replayed by wrk.
 * Reference: nginx WebDAV PUTs of the same body to distinct paths.
 */
import type { Bench } from "../bench.ts";
import { sha256Hex } from "../../sigv4.ts";
import { reportWrk, runWrk } from "../wrk.ts";
import { num } from "../util.ts";
import { verdict } from "../table.ts";

const BUCKET = "bench-put";
/** More than 32 connections can send in a run at the target rate; wrk cycles if it runs out. */
const REQUESTS = 40_000;
/** Issue 22's target. */
const TARGET = 3000;

/** 1 KiB of printable ASCII (a Lua string literal in wrk's data file). */
export function asciiBody(size: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const rnd = crypto.getRandomValues(new Uint8Array(size));
  return Array.from(rnd, (x) => alphabet[x % alphabet.length]).join("");
}

/**
 * `count` PUTs of one 1 KiB body to keys `key(i)`, signed now for wrk to replay: the requests,
 * and the headers they share.
 */
export function signedPuts(b: Bench, bucket: string, count: number, key: (i: number) => string) {
  const body = asciiBody(1024);
  const hash = sha256Hex(body);
  const now = new Date();
  let date = "";
  const requests = Array.from({ length: count }, (_, i) => {
    const url = b.remise.objectUrl(bucket, key(i));
    const h = b.remise.sign("PUT", url, hash, now);
    date = h["x-amz-date"];
    return { path: new URL(url).pathname, headers: { authorization: h.authorization } };
  });
  return { body, requests, common: { "x-amz-date": date, "x-amz-content-sha256": hash } };
}

/** wrk's settings for PUTs of `body` at c=32. */
export function putWrk(b: Bench, body: string, name: string) {
  return { method: "PUT", body, threads: 2, connections: 32, seconds: b.seconds, dir: b.dir, name };
}

export async function putRow(b: Bench): Promise<void> {
  const { remise, nginx } = b;
  await remise.createBucket(BUCKET);
  const t0 = performance.now();
  const { body, requests: signed, common: shared } = signedPuts(
    b,
    BUCKET,
    REQUESTS,
    (i) => `put-${i}`,
  );
  const signMs = performance.now() - t0;
  const scenario = "PUT 1 KiB header-signed, c=32 (req/s, latency)";
  b.log(scenario);
  const common = putWrk(b, body, "put-1k");
  const mine = await runWrk({
    ...common,
    base: remise.url,
    requests: signed,
    common: shared,
  });
  const ref = nginx
    ? await runWrk({
      ...common,
      base: nginx.url,
      requests: signed.map((_, i) => ({ path: `/dav/put-${i}` })),
    })
    : null;
  reportWrk(
    b,
    scenario,
    mine,
    ref,
    () => verdict(`≥ ${num(TARGET)}/s`, mine ? mine.rps >= TARGET : undefined),
  );
  b.report.notes.push(
    `PUT 1 KiB: ${num(REQUESTS)} requests signed in ${num(signMs)} ms; ` +
      `Remise sent ${num(mine?.requests ?? 0)} (keys are reused once all were sent).`,
  );
}
