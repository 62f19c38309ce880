/**
 * restic (minio-go underneath: streaming aws-chunked uploads over plain HTTP, bucket location
 * lookups, prefix listings, deletes) backing up to, checking and restoring from a fresh node.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { requireProgram, startNode } from "../harness.ts";
import { hashTree, KiB, makeTree, MiB, randomBytes, run, type RunResult, tempDir } from "./run.ts";

interface Snapshot {
  id: string;
  paths: string[];
  tree: string;
}

Deno.test("restic backs up to a bucket, checks every byte, restores identical trees and prunes old snapshots", async (t) => {
  if (!await requireProgram("restic")) return;
  const node = await startNode();
  await using work = await tempDir("restic");
  try {
    const creds = await node.createKey("restic");
    const src = `${work.path}/src`;
    const env = {
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_DEFAULT_REGION: node.region,
      RESTIC_PASSWORD: "correct horse battery staple",
      RESTIC_REPOSITORY: `s3:${node.s3}/restic-repo`,
      RESTIC_CACHE_DIR: `${work.path}/cache`,
    };
    const restic = (args: string[], o: { cwd?: string; allowFailure?: boolean } = {}) =>
      run("restic", args, { home: work.path, env, timeoutMs: 100_000, ...o });
    const snapshots = async (): Promise<Snapshot[]> =>
      JSON.parse((await restic(["snapshots", "--json"])).stdout);
    const checkOk = (r: RunResult) => {
      assertMatch(r.stdout, /no errors were found/, `${r.stdout}\n${r.stderr}`);
      assert(!/error|Fatal/i.test(r.stderr), r.stderr);
    };

    const files: Record<string, number | string> = {
      "notes/readme.txt": "a small text file\n",
      "notes/empty": "",
      "photos/2024/one.jpg": 300 * KiB,
      "photos/2024/two.jpg": 180 * KiB,
      "photos/with space ✓.raw": 700 * KiB,
      "deep/a/b/c/d/e/leaf.bin": 5000,
      "video/clip.mp4": 12 * MiB,
    };
    for (let i = 0; i < 40; i++) files[`many/file-${i}.dat`] = 100 + i * 97;
    await makeTree(src, files);

    await t.step("restic init creates the repository in a new bucket", async () => {
      const r = await restic(["init"]);
      assertMatch(r.stdout, /created restic repository [0-9a-f]+ at s3:/);
      const again = await restic(["init"], { allowFailure: true });
      assert(again.code !== 0, "a second init over the same repository succeeded");
      assertMatch(again.stderr, /already (exists|initialized)/);
    });

    await t.step("restic backup stores the tree and snapshots lists it", async () => {
      const r = await restic(["backup", "--json", "."], { cwd: src });
      const summary = r.stdout.split("\n").filter((l) => l.includes(`"summary"`))
        .map((l) => JSON.parse(l))[0];
      assert(summary, `no summary in restic output:\n${r.stdout}`);
      assertEquals(summary.files_new, Object.keys(files).length);
      const snaps = await snapshots();
      assertEquals(snaps.length, 1);
      assertEquals(snaps[0].paths, [src]);
    });

    await t.step("restic check --read-data finds no errors", async () => {
      checkOk(await restic(["check", "--read-data"]));
    });

    await t.step("restic restore latest gives back the tree byte for byte", async () => {
      const target = `${work.path}/restore1`;
      await restic(["restore", "latest", "--target", target]);
      assertEquals(await hashTree(target), await hashTree(src));
    });

    await t.step("a second backup after changes adds a snapshot", async () => {
      await Deno.writeFile(`${src}/photos/2024/one.jpg`, randomBytes(310 * KiB));
      await Deno.remove(`${src}/video/clip.mp4`);
      await Deno.remove(`${src}/many`, { recursive: true });
      await makeTree(src, { "notes/new note.txt": "written after the first backup\n" });
      await restic(["backup", "."], { cwd: src });
      assertEquals((await snapshots()).length, 2);
    });

    await t.step(
      "restic forget --keep-last 1 --prune drops a snapshot and frees its data",
      async () => {
        const rawSize = async () =>
          JSON.parse((await restic(["stats", "--mode", "raw-data", "--json"])).stdout)
            .total_size as number;
        const before = await rawSize();
        const r = await restic(["forget", "--keep-last", "1", "--prune", "--max-unused", "0"]);
        assertMatch(r.stdout, /remove 1 snapshots/, r.stdout);
        assertMatch(r.stdout, /done/, r.stdout);
        assertEquals((await snapshots()).length, 1);
        const after = await rawSize();
        // The 12 MiB clip and the 40 small files existed only in the forgotten snapshot.
        assert(
          before - after > 12 * MiB,
          `prune freed ${before - after} bytes (${before} → ${after})`,
        );
      },
    );

    await t.step("restic check --read-data still finds no errors after the prune", async () => {
      checkOk(await restic(["check", "--read-data"]));
    });

    await t.step("restic restore latest gives back the changed tree byte for byte", async () => {
      const target = `${work.path}/restore2`;
      await restic(["restore", "latest", "--target", target]);
      assertEquals(await hashTree(target), await hashTree(src));
    });
  } finally {
    await node.stop();
  }
});
