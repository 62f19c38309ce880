/**
 * Website row: anonymous GETs of 1 KiB pages through the website endpoint (bucket from the Host
 * header, index documents), at concurrency 32, vs nginx serving the same files. No issue sets
 * a target for it: the row shows what a static site costs next to GetObject.
 */
import type { GetBucketInfoResponse } from "../../../shared/admin.ts";
import type { Bench } from "../bench.ts";
import { reportWrk, runWrk } from "../wrk.ts";
import { KiB, randomFile } from "../util.ts";

const PAGES = 16;
const BUCKET = "bench-site";
const HOST = `${BUCKET}.web.test`;

export async function websiteRow(b: Bench): Promise<void> {
  const { remise, nginx } = b;
  await remise.createBucket(BUCKET);
  const names = Array.from({ length: PAGES }, (_, i) => `page-${i}/index.html`);
  for (const [i, n] of names.entries()) {
    const file = `${b.files}/site-page-${i}.html`;
    await randomFile(file, KiB);
    await remise.put(BUCKET, n, await Deno.readFile(file));
  }
  const info = await remise.node.api<GetBucketInfoResponse>(
    "GET",
    `/v2/GetBucketInfo?globalAlias=${BUCKET}`,
  );
  await remise.node.api("POST", `/v2/UpdateBucket?id=${info.id}`, {
    websiteAccess: { enabled: true, indexDocument: "index.html" },
  });
  const scenario = "website GET 1 KiB page (folder/ → index.html), c=32 (req/s, latency)";
  b.log(scenario);
  const common = { method: "GET", threads: 2, connections: 32, seconds: b.seconds, dir: b.dir };
  const mine = await runWrk({
    ...common,
    name: "website",
    base: remise.node.web,
    // wrk sends its own Host header unless one is named exactly "Host".
    requests: names.map((_, i) => ({ path: `/page-${i}/`, headers: { Host: HOST } })),
  });
  const ref = nginx
    ? await runWrk({
      ...common,
      name: "website-nginx",
      base: nginx.url,
      requests: names.map((_, i) => ({ path: `/files/site-page-${i}.html` })),
    })
    : null;
  reportWrk(b, scenario, mine, ref);
}
