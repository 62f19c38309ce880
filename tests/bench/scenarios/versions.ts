/**
 * Versions: 1 KiB PUTs that overwrite keys of a versioned bucket (each keeps the version it
 * replaces), and PUTs of new keys, next to the same PUTs on an unversioned one, and
 * ListObjectVersions over the listing
 * bucket once versioning is on and a tenth of its keys have a second version, next to
 * ListObjectsV2 over the same bucket.
 */
import type { Bench } from "../bench.ts";
import { sha256Hex } from "../../sigv4.ts";
import { ratioTarget } from "../table.ts";
import { num } from "../util.ts";
import { runWrk, type WrkResult } from "../wrk.ts";
import { putWrk, signedPuts } from "./put.ts";
import { BUCKET as LISTED, fill, keyName, listAll, PAGE } from "./list.ts";

/** Keys the PUTs cycle through: every key is overwritten many times in a run. */
const KEYS = 2_000;
/** Keys signed per second of a run of new keys: above any rate this machine reaches. */
const FRESH_PER_SECOND = 8_000;
const WALKS = 3;
const SECOND = new TextEncoder().encode("second version\n");

async function setVersioning(b: Bench, bucket: string): Promise<void> {
  const body =
    `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`;
  const url = `${b.remise.url}/${bucket}?versioning`;
  const res = await fetch(url, {
    method: "PUT",
    body,
    headers: b.remise.sign("PUT", url, sha256Hex(body)),
  });
  if (!res.ok) throw new Error(`PutBucketVersioning ${bucket}: ${res.status} ${await res.text()}`);
}

/**
 * A wrk run of PUTs cycling over KEYS keys, or, given a `fresh` prefix, over enough keys of its
 * own that none is written twice.
 */
async function putRun(
  b: Bench,
  bucket: string,
  name: string,
  fresh?: string,
): Promise<WrkResult | null> {
  const { body, requests, common } = fresh
    ? signedPuts(b, bucket, FRESH_PER_SECOND * b.seconds, (i) => `${fresh}/${i}`)
    : signedPuts(b, bucket, KEYS, (i) => `doc-${i}`);
  return await runWrk({ ...putWrk(b, body, name), base: b.remise.url, requests, common });
}

/** Walks ListObjectVersions over the listing bucket: seconds, versions seen, pages. */
async function listVersionsAll(b: Bench) {
  const { remise } = b;
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  let versions = 0;
  let pages = 0;
  const t0 = performance.now();
  for (;;) {
    const u = new URL(`${remise.url}/${LISTED}`);
    u.searchParams.set("versions", "");
    u.searchParams.set("max-keys", String(PAGE));
    if (keyMarker !== undefined) u.searchParams.set("key-marker", keyMarker);
    if (idMarker !== undefined) u.searchParams.set("version-id-marker", idMarker);
    const res = await fetch(u, { headers: remise.sign("GET", u.href, sha256Hex("")) });
    const xml = await res.text();
    if (!res.ok) throw new Error(`ListObjectVersions: ${res.status} ${xml}`);
    versions += xml.match(/<Version>/g)?.length ?? 0;
    pages++;
    if (!/<IsTruncated>true<\/IsTruncated>/.test(xml)) break;
    keyMarker = /<NextKeyMarker>([^<]*)<\/NextKeyMarker>/.exec(xml)?.[1];
    idMarker = /<NextVersionIdMarker>([^<]*)<\/NextVersionIdMarker>/.exec(xml)?.[1];
  }
  return { seconds: (performance.now() - t0) / 1000, versions, pages };
}

export async function versionRows(b: Bench): Promise<void> {
  const { remise } = b;
  await remise.createBucket("bench-plain");
  await remise.createBucket("bench-versioned");
  await setVersioning(b, "bench-versioned");
  // Overwrites keep a version each (two entries written per PUT); new keys keep nothing more
  // than on an unversioned bucket (a backup writing new files).
  for (const overwrite of [true, false]) {
    const scenario = overwrite
      ? "PUT 1 KiB overwriting keys of a versioned bucket, c=32 (req/s)"
      : "PUT 1 KiB of new keys on a versioned bucket, c=32 (req/s)";
    b.log(scenario);
    // Alternating halves: the host's speed drifts, and both sides see the same.
    const runs: Record<string, WrkResult[]> = { plain: [], versioned: [] };
    for (let i = 0; i < 2; i++) {
      for (const side of ["plain", "versioned"] as const) {
        const name = `versions-${overwrite ? "" : "new-"}${side}-${i}`;
        const r = await putRun(b, `bench-${side}`, name, overwrite ? undefined : name);
        if (r) runs[side].push(r);
      }
    }
    const rate = (rs: WrkResult[]) => rs.reduce((s, r) => s + r.rps, 0) / (rs.length || 1);
    const mine = rate(runs.versioned), ref = rate(runs.plain);
    b.report.rows.push({
      scenario,
      remise: `${num(mine)}/s`,
      reference: `${num(ref)}/s (the same PUTs, unversioned bucket)`,
      ratio: mine / ref,
      target: ratioTarget(0.85, mine / ref),
    });
  }

  // The listing bucket (filled by the list row, or here), made versioned with a second version
  // of every tenth key.
  const listed = await fetch(`${remise.url}/${LISTED}`, {
    method: "HEAD",
    headers: remise.sign("HEAD", `${remise.url}/${LISTED}`, sha256Hex("")),
  });
  if (listed.status === 404) {
    await remise.createBucket(LISTED);
    b.log(`fill ${num(b.objects)} objects for the version listing`);
    await fill(b);
  }
  await setVersioning(b, LISTED);
  const extra = Math.floor(b.objects / 10);
  b.log(`second versions of ${num(extra)} keys`);
  for (let i = 0; i < extra; i += 32) {
    await Promise.all(
      Array.from(
        { length: Math.min(32, extra - i) },
        (_, j) => remise.put(LISTED, keyName((i + j) * 10), SECOND),
      ),
    );
  }
  const versions = b.objects + extra;
  const listScenario = `ListObjectVersions, ${num(versions)} versions in pages of ${
    num(PAGE)
  } (pages/s)`;
  b.log(listScenario);
  let best = { seconds: Infinity, versions: 0, pages: 0 };
  let v2 = { seconds: Infinity, keys: 0, pages: 0 };
  for (let pass = 0; pass < WALKS; pass++) {
    const r = await listVersionsAll(b);
    if (r.versions !== versions) throw new Error(`listed ${r.versions} versions, not ${versions}`);
    if (r.seconds < best.seconds) best = r;
    const l = await listAll(b);
    if (l.seconds < v2.seconds) v2 = l;
  }
  const pagesPerSecond = best.pages / best.seconds, v2Rate = v2.pages / v2.seconds;
  b.report.rows.push({
    scenario: listScenario,
    remise: `${num(pagesPerSecond, 1)} pages/s (${best.seconds.toFixed(2)} s)`,
    reference: `${num(v2Rate, 1)} pages/s (${v2.seconds.toFixed(2)} s, ListObjectsV2 of its ${
      num(v2.keys)
    } keys)`,
    ratio: pagesPerSecond / v2Rate,
  });
  b.report.notes.push(
    `Versions: PUT rows are the mean of two ${b.seconds}-s wrk runs on each side, alternating, ` +
      `cycling through ${num(KEYS)} keys (every PUT on the versioned bucket keeps the version ` +
      `it replaces), or through keys no run writes twice. Listings: best of ${WALKS} walks on each side, alternating.`,
  );
}
