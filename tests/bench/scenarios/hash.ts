/**
 * Row 6: Remise's hashing (node:crypto createHash, SHA-256 and MD5, over the 256 MiB file read
 * in 1 MiB chunks) vs coreutils `sha256sum` and `md5sum` on the same file, best of 3.
 */
import { createHash } from "node:crypto";
import type { Bench } from "../bench.ts";
import { bestOf, hasProgram, MiB, num, runOk } from "../util.ts";
import { BIG, BIG_SIZE } from "./large.ts";

async function hashInDeno(file: string, alg: string): Promise<number> {
  const t0 = performance.now();
  const h = createHash(alg);
  const f = await Deno.open(file);
  try {
    const buf = new Uint8Array(MiB);
    for (;;) {
      const n = await f.read(buf);
      if (n === null) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    f.close();
  }
  h.digest("hex");
  return (performance.now() - t0) / 1000;
}

async function hashWithTool(file: string, tool: string, args: string[] = []): Promise<number> {
  const t0 = performance.now();
  await runOk(tool, [...args, file]);
  return (performance.now() - t0) / 1000;
}

export async function hashRows(b: Bench): Promise<void> {
  const file = `${b.files}/${BIG}`;
  const cell = (s: number) => `${num(BIG_SIZE / 1e6 / s)} MB/s`;
  for (const [alg, tool] of [["sha256", "sha256sum"], ["md5", "md5sum"]]) {
    const scenario = `${alg === "sha256" ? "SHA-256" : "MD5"} of 256 MiB: node:crypto vs ${tool}`;
    b.log(scenario);
    const mine = await bestOf(3, () => hashInDeno(file, alg));
    const ref = await hasProgram(tool, "coreutils")
      ? await bestOf(3, () => hashWithTool(file, tool))
      : undefined;
    b.report.rows.push({
      scenario,
      remise: cell(mine),
      reference: ref ? cell(ref) : `n/a (no ${tool})`,
      ratio: ref ? ref / mine : undefined,
    });
  }
  // coreutils may be built without CPU SHA extensions; OpenSSL shows what the CPU can do.
  if (await hasProgram("openssl")) {
    const s = await bestOf(3, () => hashWithTool(file, "openssl", ["dgst", "-sha256"]));
    b.report.notes.push(`SHA-256 of 256 MiB with \`openssl dgst -sha256\`: ${cell(s)}.`);
  }
}
