/**
 * What "acknowledged" means on disk, read from the system calls of one PUT (Debian's strace):
 * with data_fsync, every block file is written to a temporary name, fdatasynced, renamed, and
 * its directory synced; the metadata commit that names the object is synced in Deno KV's WAL
 * (it syncs every commit, whatever metadata_fsync says); and all of it ends before the first
 * byte of the answer is written.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { assert, assertEquals } from "../assert.ts";
import { requireProgram, startNode } from "../harness.ts";
import { sha256Hex, signHeaders } from "../sigv4.ts";
import { randomBytes } from "../s3/client.ts";

interface Call {
  at: number;
  name: string;
  args: string;
  result: string;
}

/** The completed calls of a `strace -f -ttt` log, stamped when they ended. */
function parse(log: string): Call[] {
  const calls: Call[] = [];
  const started = new Map<string, { name: string; args: string }>();
  for (const line of log.split("\n")) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, at, rest] = m;
    const unfinished = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (unfinished) {
      started.set(`${pid}:${unfinished[1]}`, { name: unfinished[1], args: unfinished[2] });
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)\)\s+= (.*)$/.exec(rest);
    if (resumed) {
      const s = started.get(`${pid}:${resumed[1]}`);
      if (s) {
        calls.push({ at: Number(at), name: s.name, args: s.args + resumed[2], result: resumed[3] });
      }
      continue;
    }
    const whole = /^(\w+)\((.*)\)\s+= (.*)$/.exec(rest);
    if (whole) calls.push({ at: Number(at), name: whole[1], args: whole[2], result: whole[3] });
  }
  return calls.sort((a, b) => a.at - b.at);
}

Deno.test("a PUT is answered only after its blocks and its metadata are on disk", async () => {
  if (!await requireProgram("strace")) return;
  const node = await startNode({
    extraToml: "data_fsync = true\nmetadata_fsync = true\nblock_size = 65536",
  });
  const traces: string[] = [];
  try {
    const key = await node.createKey();
    const s3 = new S3Client({
      endpoint: node.s3,
      region: node.region,
      credentials: key,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: "durable" }));
    s3.destroy();
    // Several blocks (stored before the entry names them), and one (sent with its entry).
    for (const size of [200_000, 40_000]) {
      const trace = await Deno.makeTempFile({ prefix: "remise-strace-" });
      traces.push(trace);
      const pid = node.process.pid;
      const strace = new Deno.Command("strace", {
        args: [
          "-f",
          "-ttt",
          // Paths beside descriptors: Deno syncs through duplicates of the descriptor it opened.
          "-y",
          "-s",
          "24",
          "-e",
          "trace=openat,fdatasync,fsync,rename,renameat,renameat2,write,writev,sendto,sendmsg",
          "-o",
          trace,
          "-p",
          String(pid),
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const attached = strace.stderr.pipeThrough(new TextDecoderStream()).getReader();
      for (let seen = ""; !seen.includes("attached");) seen += (await attached.read()).value ?? "";
      await new Promise((r) => setTimeout(r, 300));

      const body = randomBytes(size);
      const url = `${node.s3}/durable/obj-${size}`;
      const res = await fetch(url, {
        method: "PUT",
        headers: signHeaders("PUT", url, key, node.region, sha256Hex(body)),
        body,
      });
      assertEquals(res.status, 200);
      await new Promise((r) => setTimeout(r, 300));
      strace.kill("SIGINT");
      await attached.cancel();
      await strace.status;

      const calls = parse(await Deno.readTextFile(trace));
      const answered = calls.find((c) => /HTTP\/1\.1 200/.test(c.args));
      assert(answered, "the answer is in the trace");
      const before = calls.filter((c) => c.at <= answered.at);
      /** Whether `path` was synced after `after` (-y names the file beside each descriptor). */
      const synced = (path: string, after: number) =>
        before.some((c) =>
          /^f(data)?sync$/.test(c.name) && c.args.endsWith(`<${path}>`) && c.at > after
        );
      // Each block: a temporary file created, synced, renamed to its hash, its directory synced.
      const created = before.filter((c) =>
        c.name === "openat" && /\.tmp-[0-9a-f]+", O_WRONLY\|O_CREAT/.test(c.args)
      );
      assertEquals(
        created.length,
        Math.ceil(body.length / 65536),
        `${size} bytes: one file per block`,
      );
      let lastRename = 0;
      for (const open of created) {
        const tmp = /"([^"]+)"/.exec(open.args)![1];
        const renamed = before.find((c) => /^rename/.test(c.name) && c.args.includes(tmp));
        assert(renamed, `${tmp} was renamed before the answer`);
        assert(synced(tmp, open.at), `${tmp} was synced before the answer`);
        const fileSync = before.find((c) => c.name === "fdatasync" && c.args.endsWith(`<${tmp}>`))!;
        assert(fileSync.at < renamed.at, `${tmp} was renamed after it was synced`);
        const dir = tmp.slice(0, tmp.lastIndexOf("/"));
        assert(synced(dir, renamed.at), `${dir} was synced after the rename`);
        lastRename = Math.max(lastRename, renamed.at);
      }
      // The object's metadata commit comes after its blocks; its WAL sync before the answer.
      const wal = before.find((c) =>
        /^f(data)?sync$/.test(c.name) && /\/db\.sqlite-wal>$/.test(c.args)
      );
      assert(wal, "the metadata WAL is synced");
      assert(
        synced(/<([^>]+)>$/.exec(wal.args)![1], lastRename),
        "the metadata WAL was synced after the last block and before the answer",
      );
    }
  } finally {
    await node.stop();
    for (const trace of traces) await Deno.remove(trace).catch(() => {});
  }
});
