/**
 * Anonymous GETs of 1 KiB objects that a bucket policy opens, next to presigned GETs of the same
 * objects: the policy check (an Allow for everyone, and a Deny judged on the caller's address)
 * must not cost more than the signature check it replaces.
 */
import type { Bench } from "../bench.ts";
import { sha256Hex } from "../../sigv4.ts";
import { ratioTarget } from "../table.ts";
import { runWrk, wrkErrors, type WrkResult } from "../wrk.ts";
import { KiB, ms, num, randomFile } from "../util.ts";

const OBJECTS = 16;
const BUCKET = "bench-public";

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "PublicRead",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    },
    {
      Sid: "OnlyFromHere",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { NotIpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] } },
    },
  ],
});

async function setPolicy(b: Bench): Promise<void> {
  const url = `${b.remise.url}/${BUCKET}?policy`;
  const res = await fetch(url, {
    method: "PUT",
    body: POLICY,
    headers: b.remise.sign("PUT", url, sha256Hex(POLICY)),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PutBucketPolicy: ${res.status} ${text}`);
}

export async function publicRow(b: Bench): Promise<void> {
  const { remise } = b;
  await remise.createBucket(BUCKET);
  const names = Array.from({ length: OBJECTS }, (_, i) => `public-${i}`);
  for (const n of names) {
    await randomFile(`${b.files}/${n}`, KiB);
    await remise.put(BUCKET, n, await Deno.readFile(`${b.files}/${n}`));
  }
  await setPolicy(b);
  const plain = names.map((n) => new URL(remise.objectUrl(BUCKET, n)));
  const signed = names.map((n) => new URL(remise.presign("GET", BUCKET, n)));
  const check = await fetch(plain[0]);
  await check.body?.cancel();
  if (!check.ok) throw new Error(`anonymous GET through the policy answered ${check.status}`);

  const scenario = "GET 1 KiB anonymous through a bucket policy, c=32 (req/s, latency)";
  b.log(scenario);
  // Alternating halves: the host's speed drifts, and both sides see the same.
  const runs: Record<"anonymous" | "presigned", WrkResult[]> = { anonymous: [], presigned: [] };
  for (let i = 0; i < 2; i++) {
    for (const side of ["anonymous", "presigned"] as const) {
      const urls = side === "anonymous" ? plain : signed;
      const r = await runWrk({
        method: "GET",
        threads: 2,
        connections: 32,
        seconds: b.seconds / 2,
        dir: b.dir,
        name: `public-${side}-${i}`,
        base: remise.url,
        requests: urls.map((u) => ({ path: u.pathname + u.search })),
      });
      if (!r) continue;
      runs[side].push(r);
      const e = wrkErrors(r);
      if (e) b.report.notes.push(`${scenario}, ${side}: ${e}`);
    }
  }
  const mean = (rs: WrkResult[], f: (r: WrkResult) => number) =>
    rs.reduce((s, r) => s + f(r), 0) / rs.length;
  const cell = (rs: WrkResult[]) =>
    rs.length
      ? `${num(mean(rs, (r) => r.rps))}/s · p50 ${ms(mean(rs, (r) => r.p50))} ms · p99 ${
        ms(mean(rs, (r) => r.p99))
      } ms`
      : "n/a (no wrk)";
  const ratio = runs.anonymous.length && runs.presigned.length
    ? mean(runs.anonymous, (r) => r.rps) / mean(runs.presigned, (r) => r.rps)
    : undefined;
  b.report.rows.push({
    scenario,
    remise: cell(runs.anonymous),
    reference: `${cell(runs.presigned)} (presigned GETs of the same objects)`,
    ratio,
    target: ratioTarget(1, ratio),
  });
}
