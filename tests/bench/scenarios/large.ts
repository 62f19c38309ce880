/**
 * Row 3: MB/s of one 256 MiB PUT and GET (curl, presigned URLs, best of 3) vs nginx accepting
 * the same file by WebDAV PUT and serving it; and the same PUT vs `dd … conv=fdatasync`, the
 * disk's own write speed (Remise fsyncs every block, nginx does not).
 */
import { type Bench, NO_NGINX } from "../bench.ts";
import { curlGet, curlPut, type Transfer } from "../curl.ts";
import { ratioTarget } from "../table.ts";
import { bestOf, hasProgram, MiB, num, runOk } from "../util.ts";

const BUCKET = "bench-big";
export const BIG = "big-256m";
export const BIG_SIZE = 256 * MiB;

const mbps = (s: number) => BIG_SIZE / 1e6 / s;
const cell = (s: number) => `${num(mbps(s))} MB/s (${s.toFixed(2)} s)`;

async function timed(fn: () => Promise<Transfer>): Promise<number> {
  const t = await fn();
  if (t.bytes !== BIG_SIZE) throw new Error(`transferred ${t.bytes} bytes, not ${BIG_SIZE}`);
  return t.seconds;
}

/** dd's own timing of a 256 MiB write flushed to disk, in seconds. */
async function ddSeconds(dir: string): Promise<number> {
  const out = `${dir}/dd.bin`;
  const o = await runOk("dd", [
    "if=/dev/zero",
    `of=${out}`,
    "bs=1M",
    "count=256",
    "conv=fdatasync",
  ]);
  await Deno.remove(out);
  const m = /copied, ([\d.]+) s/.exec(o.stderr);
  if (!m) throw new Error(`unexpected dd output: ${o.stderr}`);
  return Number(m[1]);
}

export async function largeRows(b: Bench): Promise<void> {
  const { remise, nginx } = b;
  const file = `${b.files}/${BIG}`;
  if (!await hasProgram("curl")) return;
  await remise.createBucket(BUCKET);
  b.log("PUT/GET 256 MiB (curl, best of 3)");
  const put = await bestOf(3, () => timed(() => curlPut(file, remise.presign("PUT", BUCKET, BIG))));
  const get = await bestOf(3, () => timed(() => curlGet(remise.presign("GET", BUCKET, BIG))));
  const refPut = nginx
    ? await bestOf(3, () => timed(() => curlPut(file, `${nginx.url}/dav/${BIG}`)))
    : undefined;
  const refGet = nginx
    ? await bestOf(3, () => timed(() => curlGet(`${nginx.url}/files/${BIG}`)))
    : undefined;
  await Deno.remove(`${b.dir}/dav/${BIG}`).catch(() => {});
  b.log("dd 256 MiB conv=fdatasync (best of 3)");
  const dd = await bestOf(3, () => ddSeconds(b.dir));
  b.report.rows.push(
    {
      scenario: "PUT 256 MiB, curl presigned (MB/s, best of 3)",
      remise: cell(put),
      reference: refPut ? cell(refPut) : NO_NGINX,
      ratio: refPut ? refPut / put : undefined,
      target: ratioTarget(0.2, refPut ? refPut / put : undefined),
    },
    {
      scenario: "GET 256 MiB, curl presigned (MB/s, best of 3)",
      remise: cell(get),
      reference: refGet ? cell(refGet) : NO_NGINX,
      ratio: refGet ? refGet / get : undefined,
      target: ratioTarget(0.35, refGet ? refGet / get : undefined),
    },
    {
      scenario: "PUT 256 MiB vs disk write `dd bs=1M conv=fdatasync` (MB/s)",
      remise: cell(put),
      reference: cell(dd),
      ratio: dd / put,
    },
  );
}
