/**
 * Row 4: ListObjectsV2 pages of 1,000 keys per second over a 100,000-object bucket (`--objects`), walked
 * with continuation tokens, vs a raw Deno KV range scan of 100,000 small entries in pages of
 * 1,000 (`kv.list` with a cursor). The bucket is filled by 32 concurrent signed small PUTs.
 */
import { type Bench } from "../bench.ts";
import { sha256Hex } from "../../sigv4.ts";
import { ratioTarget } from "../table.ts";
import { num, settle } from "../util.ts";

export const BUCKET = "bench-list";
export const PAGE = 1000;
/**
 * Whole walks of each side, the best one counted: the first walk also compiles the listing
 * path.
 */
const WALKS = 4;
const FILL_CONCURRENCY = 32;
/** Roughly the size of an object entry as Remise stores it (msgpack). */
const KV_VALUE = 200;
const BODY = new TextEncoder().encode("small object\n");

export const keyName = (i: number) =>
  `dir-${String(i % 100).padStart(2, "0")}/obj-${String(i).padStart(6, "0")}`;

export async function fill(b: Bench): Promise<number> {
  const { remise } = b;
  const body = BODY;
  const hash = sha256Hex(body);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < b.objects; i = next++) {
      const url = remise.objectUrl(BUCKET, keyName(i));
      for (let attempt = 0;; attempt++) {
        const res = await fetch(url, {
          method: "PUT",
          body,
          headers: remise.sign("PUT", url, hash),
        });
        const text = await res.text();
        if (res.ok) break;
        if (attempt >= 3) throw new Error(`fill PUT ${url}: ${res.status} ${text}`);
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  return (performance.now() - t0) / 1000;
}

/** Walks the whole bucket; returns seconds and the number of keys seen. */
export async function listAll(
  b: Bench,
): Promise<{ seconds: number; keys: number; pages: number }> {
  const { remise } = b;
  let token: string | undefined;
  let keys = 0;
  let pages = 0;
  const t0 = performance.now();
  do {
    const u = new URL(`${remise.url}/${BUCKET}`);
    u.searchParams.set("list-type", "2");
    u.searchParams.set("max-keys", String(PAGE));
    if (token) u.searchParams.set("continuation-token", token);
    const res = await fetch(u, { headers: remise.sign("GET", u.href, sha256Hex("")) });
    const xml = await res.text();
    if (!res.ok) throw new Error(`ListObjectsV2: ${res.status} ${xml}`);
    keys += xml.match(/<Key>/g)?.length ?? 0;
    pages++;
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
      ? /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1]
      : undefined;
  } while (token);
  return { seconds: (performance.now() - t0) / 1000, keys, pages };
}

/**
 * The same walk as a raw range scan of a fresh Deno KV with as many entries: fills it, and
 * returns one walk (seconds) per call, so walks can alternate with Remise's.
 */
async function kvReference(dir: string, objects: number) {
  const kv = await Deno.openKv(`${dir}/reference.kv`);
  const prefix = ["t", "object", 42, "bucket-id"];
  const value = crypto.getRandomValues(new Uint8Array(KV_VALUE));
  for (let i = 0; i < objects; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(objects, i + 500); j++) op.set([...prefix, keyName(j)], value);
    const r = await op.commit();
    if (!r.ok) throw new Error("KV reference fill failed");
  }
  return {
    async walk(): Promise<number> {
      const t0 = performance.now();
      let cursor: string | undefined;
      let n = 0;
      do {
        const it = kv.list({ prefix }, { limit: PAGE, cursor, batchSize: PAGE });
        for await (const _ of it) n++;
        cursor = it.cursor || undefined;
      } while (cursor && n < objects);
      if (n !== objects) throw new Error(`KV reference listed ${n} entries`);
      return (performance.now() - t0) / 1000;
    },
    close: () => kv.close(),
  };
}

export async function listRow(b: Bench): Promise<void> {
  const { objects } = b;
  await b.remise.createBucket(BUCKET);
  b.log(`fill ${num(objects)} objects (c=${FILL_CONCURRENCY})`);
  const fillSeconds = await fill(b);
  const settleSeconds = await settle(b.remise.pid);
  const scenario = `ListObjectsV2, ${num(objects)} objects in pages of ${num(PAGE)} (pages/s)`;
  b.log(scenario);
  // Walks alternate between the two sides: the host's speed drifts, and both see the same.
  const reference = await kvReference(b.dir, objects);
  let best = { seconds: Infinity, keys: 0, pages: 0 };
  let ref = Infinity;
  try {
    for (let pass = 0; pass < WALKS; pass++) {
      const r = await listAll(b);
      if (r.keys !== objects) throw new Error(`listing returned ${r.keys} keys, not ${objects}`);
      if (r.seconds < best.seconds) best = r;
      ref = Math.min(ref, await reference.walk());
    }
  } finally {
    reference.close();
  }
  const pages = objects / PAGE;
  b.report.rows.push({
    scenario,
    remise: `${num(best.pages / best.seconds, 1)} pages/s (${best.seconds.toFixed(2)} s)`,
    reference: `${num(pages / ref, 1)} pages/s (${ref.toFixed(2)} s, raw Deno KV scan)`,
    ratio: (best.pages / best.seconds) / (pages / ref),
    target: ratioTarget(0.5, (best.pages / best.seconds) / (pages / ref)),
  });
  b.report.notes.push(
    `ListObjectsV2: best of ${WALKS} whole walks on each side, alternating. Fill: ${
      num(objects)
    } signed ${BODY.length}-byte PUTs from a Deno client at ` +
      `c=${FILL_CONCURRENCY} took ${fillSeconds.toFixed(1)} s (${num(objects / fillSeconds)}/s); ` +
      `the node then worked ${
        settleSeconds.toFixed(0)
      } s more (Merkle trees, garbage) before the walks.`,
  );
}
