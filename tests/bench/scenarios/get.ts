/**
 * Row 1: GETs of 1 KiB and 1 MiB objects through presigned URLs (the server verifies a
 * signature on every request), at concurrency 1 and 32, vs nginx serving the same files.
 */
import type { Bench } from "../bench.ts";
import { ratioTarget } from "../table.ts";
import { reportWrk, runWrk } from "../wrk.ts";
import { KiB, MiB, randomFile } from "../util.ts";

const OBJECTS = 16;
const BUCKET = "bench-get";

export async function getRows(b: Bench): Promise<void> {
  const { remise, nginx } = b;
  await remise.createBucket(BUCKET);
  for (const [label, size] of [["1 KiB", KiB], ["1 MiB", MiB]] as const) {
    const names = Array.from({ length: OBJECTS }, (_, i) => `get-${size}-${i}`);
    for (const n of names) {
      await randomFile(`${b.files}/${n}`, size);
      await remise.put(BUCKET, n, await Deno.readFile(`${b.files}/${n}`));
    }
    const urls = names.map((n) => new URL(remise.presign("GET", BUCKET, n)));
    // Both servers must answer the same bytes before their speed means anything.
    const check = await fetch(urls[0]);
    const got = new Uint8Array(await check.arrayBuffer());
    const want = await Deno.readFile(`${b.files}/${names[0]}`);
    if (!check.ok || got.length !== want.length || !got.every((x, i) => x === want[i])) {
      throw new Error(`presigned GET of ${names[0]} answered ${check.status}, wrong bytes`);
    }
    for (const [threads, connections] of [[1, 1], [2, 32]]) {
      const scenario = `GET ${label} presigned, c=${connections} (req/s, latency)`;
      b.log(scenario);
      const common = {
        method: "GET",
        threads,
        connections,
        seconds: b.seconds,
        dir: b.dir,
        name: `get-${size}-${connections}`,
      };
      const mine = await runWrk({
        ...common,
        base: remise.url,
        requests: urls.map((u) => ({ path: u.pathname + u.search })),
      });
      const ref = nginx
        ? await runWrk({
          ...common,
          base: nginx.url,
          requests: names.map((n) => ({ path: `/files/${n}` })),
        })
        : null;
      // Issue 22's target is for the small object under load.
      const target = size === KiB && connections === 32
        ? (ratio: number | undefined) => ratioTarget(0.4, ratio)
        : undefined;
      reportWrk(b, scenario, mine, ref, target);
    }
  }
}
