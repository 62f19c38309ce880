/** The command line (`server/main.ts`) against a real node, and its configuration errors. */
import type { InspectObjectResponse } from "../shared/admin.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { ROOT, startNode } from "./harness.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", `${ROOT}server/main.ts`, ...args],
    cwd: ROOT,
    env: { REMISE_LOG: "warn", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function ok(r: Run): string {
  assertEquals(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
}

function fails(r: Run, re: RegExp): void {
  assertEquals(r.code, 1, `expected exit 1\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assertMatch(r.stderr, re);
}

Deno.test("operator commands against a running node", async (t) => {
  const node = await startNode();
  try {
    const config = await node.writeClientConfig();
    const run = (...args: string[]) => cli(["-c", config, ...args]);
    let keyId = "";
    let nodeId = "";

    await t.step("status and node id show this node", async () => {
      const status = ok(await run("status"));
      assertMatch(status, /==== HEALTHY NODES ====/);
      const m = /^([0-9a-f]{16})\s+\S+\s+127\.0\.0\.1:[1-9]\d*\s+\[\]\s+dc1\s+100\.0 GB/m.exec(
        status,
      );
      assert(m, `status does not list the node with its role:\n${status}`);
      assertMatch(status, /Cluster health: healthy/);
      const id = ok(await run("node", "id", "-q")).trim();
      // The port the node listens on, not the 0 of rpc_bind_addr.
      assertMatch(id, /^[0-9a-f]{64}@127\.0\.0\.1:[1-9]\d*$/);
      nodeId = id.split("@")[0];
      assertEquals(nodeId.slice(0, 16), m[1]);
    });

    await t.step("key create, list, info --show-secret, allow --create-bucket", async () => {
      const created = ok(await run("key", "create", "k1"));
      const id = /Key ID:\s+(GK[0-9a-f]{24})/.exec(created);
      const secret = /Secret key:\s+([0-9a-f]{64})/.exec(created);
      assert(id && secret, created);
      keyId = id[1];
      assertMatch(created, /Key name:\s+k1/);
      assertMatch(
        ok(await run("key", "list")),
        new RegExp(`^${keyId}\\s+\\d{4}-\\d{2}-\\d{2}\\s+k1\\s+never$`, "m"),
      );
      const info = ok(await run("key", "info", "k1"));
      assertMatch(info, /Secret key:\s+\(redacted\)/);
      assertMatch(
        ok(await run("key", "info", "k1", "--show-secret")),
        new RegExp(`Secret key:\\s+${secret[1]}`),
      );
      assertMatch(info, /Can create buckets:\s+false/);
      assertMatch(
        ok(await run("key", "allow", "k1", "--create-bucket")),
        /Can create buckets:\s+true/,
      );
      assertMatch(
        ok(await run("key", "deny", keyId.slice(0, 8), "--create-bucket")),
        /Can create buckets:\s+false/,
      );
      const imported = ok(
        await run("key", "import", "GK" + "12".repeat(12), "34".repeat(32), "-n", "old"),
      );
      assertMatch(imported, /Key name:\s+old/);
    });

    await t.step("bucket create, allow, info, alias, unalias, list", async () => {
      assertMatch(ok(await run("bucket", "create", "my-bucket")), /Global alias:\s+my-bucket/);
      const allowed = ok(
        await run("bucket", "allow", "--read", "--write", "--owner", "my-bucket", "--key", "k1"),
      );
      assertMatch(allowed, new RegExp(`^RWO\\s+${keyId}\\s+k1`, "m"));
      const denied = ok(await run("bucket", "deny", "--owner", "my-bucket", "--key", "k1"));
      assertMatch(denied, new RegExp(`^RW\\s+${keyId}\\s+k1`, "m"));
      const info = ok(await run("bucket", "info", "my-bucket"));
      assertMatch(info, /Objects:\s+0/);
      const bucketId = /Bucket:\s+([0-9a-f]{64})/.exec(info)![1];
      assertMatch(
        ok(await run("bucket", "alias", "my-bucket", "second-name")),
        /Global aliases:\s+my-bucket\n\s+second-name/,
      );
      assertMatch(
        ok(await run("bucket", "alias", "my-bucket", "mine", "--local", "k1")),
        new RegExp(`${keyId}\\s+k1\\s+mine`),
      );
      assertMatch(
        ok(await run("key", "info", "k1")),
        new RegExp(`^RW\\s+${bucketId.slice(0, 16)}\\s+my-bucket \\(\\+1\\)\\s+mine$`, "m"),
      );
      assertMatch(ok(await run("bucket", "unalias", "second-name")), /Global alias:\s+my-bucket\n/);
      assertMatch(
        ok(await run("bucket", "unalias", "mine", "--local", "k1")),
        new RegExp(`^RW\\s+${keyId}\\s+k1$`, "m"),
      );
      assertMatch(
        ok(await run("bucket", "list")),
        new RegExp(`^${bucketId.slice(0, 16)}\\s+\\d{4}-\\d{2}-\\d{2}\\s+my-bucket$`, "m"),
      );
      assertMatch(
        ok(await run("bucket", "website", "my-bucket", "--allow")),
        /Website access:\s+true\n\s+index document:\s+index.html/,
      );
      assertMatch(
        ok(await run("bucket", "set-quotas", "my-bucket", "--max-objects", "10")),
        /maximum number of objects:\s+10/,
      );
      assertMatch(ok(await run("bucket", "info", "my-bucket")), /Versioning:\s+never enabled/);
      fails(await run("bucket", "lock", "my-bucket"), /Versioning must be Enabled/);
      assertMatch(
        ok(await run("bucket", "versioning", "my-bucket", "enable")),
        /Versioning:\s+Enabled/,
      );
      assertMatch(
        ok(await run("bucket", "lock", "my-bucket", "--mode", "governance", "--days", "7")),
        /Object lock:\s+enabled, default retention GOVERNANCE 7 days/,
      );
      fails(await run("bucket", "versioning", "my-bucket", "suspend"), /Object Lock configuration/);
    });

    await t.step("bucket policy, public-access and acl", async () => {
      assertMatch(ok(await run("bucket", "info", "my-bucket")), /Public:\s+no/);
      const file = await Deno.makeTempFile({ suffix: ".json" });
      await Deno.writeTextFile(
        file,
        JSON.stringify({
          Statement: [{
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::my-bucket/*",
          }],
        }),
      );
      assertMatch(ok(await run("bucket", "policy", "my-bucket", "set", file)), /Public:\s+yes/);
      assertMatch(ok(await run("bucket", "policy", "my-bucket", "get")), /"s3:GetObject"/);
      await Deno.writeTextFile(file, `{"Statement": [{"Effect": "Allow"}]}`);
      fails(await run("bucket", "policy", "my-bucket", "set", file), /Missing required field/);
      assertMatch(
        ok(await run("bucket", "public-access", "my-bucket", "--restrict-public-buckets")),
        /Public:\s+no\n(.*\n)*\s+public access block:\s+restrictPublicBuckets/,
      );
      assertMatch(
        ok(await run("bucket", "public-access", "my-bucket", "--remove")),
        /Public:\s+yes/,
      );
      assertMatch(ok(await run("bucket", "policy", "my-bucket", "delete")), /Public:\s+no/);
      fails(await run("bucket", "policy", "my-bucket", "get"), /has no policy/);
      assertMatch(ok(await run("bucket", "acl", "my-bucket", "public-read")), /ACL:\s+public-read/);
      fails(await run("bucket", "acl", "my-bucket", "public-read-write"), /allow_public_write/);
      assertMatch(ok(await run("bucket", "acl", "my-bucket", "private")), /Public:\s+no/);
      await Deno.remove(file);
    });

    await t.step(
      "block info and purge: what a purge would delete, then only with --yes",
      async () => {
        const b = await node.api<{ id: string }>("POST", "/v2/CreateBucket", {
          globalAlias: "blocks",
        });
        const put = await fetch(`${node.admin}/v2/PutBucketObject?bucketId=${b.id}&key=lost.bin`, {
          method: "PUT",
          headers: { authorization: `Bearer ${node.adminToken}` },
          body: new Uint8Array(10_000).fill(7),
        });
        assertEquals(put.status, 200, await put.text());
        const inspect = await node.api<InspectObjectResponse>(
          "GET",
          `/v2/InspectObject?bucketId=${b.id}&key=lost.bin`,
        );
        const hash = inspect.versions[0].blocks![0].hash;
        assertMatch(ok(await run("block", "info", hash)), /Used by:\n {2}object lost\.bin/);
        fails(await run("block", "purge", hash), /run again with --yes/);
        const asked = await run("block", "purge", hash);
        assertMatch(asked.stdout, /Purging would delete for good:\n {2}object lost\.bin/);
        assertMatch(
          ok(await run("block", "purge", hash, "--yes")),
          /1 block\(s\) purged, 1 version\(s\)/,
        );
        // Gone for readers: its version is aborted (InspectObject still shows it so).
        const gone = await fetch(`${node.admin}/v2/GetBucketObject?bucketId=${b.id}&key=lost.bin`, {
          headers: { authorization: `Bearer ${node.adminToken}` },
        });
        await gone.body?.cancel();
        assertEquals(gone.status, 404);
      },
    );

    await t.step("API errors print the API's message and exit 1", async () => {
      fails(await run("key", "info", "nobody"), /Error: Access key not found: .*nobody/);
      fails(
        await run("bucket", "create", "Invalid_Name"),
        /Error: Invalid bucket name "Invalid_Name"/,
      );
      fails(await run("bucket", "create", "my-bucket"), /already exists/);
      fails(await run("bucket", "allow", "--read", "my-bucket"), /--key <KEY> is required/);
      fails(await run("key", "delete", "k1"), /Add --yes flag/);
      fails(
        await run("key", "create", "--bogus"),
        /key create: Unknown option '--bogus'\nusage: key create \[NAME\]/,
      );
      fails(await run("frobnicate"), /unknown command "frobnicate"/);
      fails(await run("layout", "apply"), /Please pass the new layout version number/);
    });

    await t.step("layout assign, show, revert, apply", async () => {
      const assigned = ok(
        await run("layout", "assign", nodeId.slice(0, 10), "-z", "dc2", "-c", "50G", "-t", "ssd"),
      );
      assertMatch(assigned, /Role changes are staged/);
      const show = ok(await run("layout", "show"));
      assertMatch(show, /==== STAGED ROLE CHANGES ====/);
      assertMatch(
        show,
        new RegExp(`^${nodeId.slice(0, 16)}\\s+\\[ssd\\]\\s+dc2\\s+50\\.0 GB$`, "m"),
      );
      assertMatch(show, /layout apply --version 2/);
      ok(await run("layout", "revert"));
      assert(!/STAGED/.test(ok(await run("layout", "show"))), "revert left staged changes");
      ok(await run("layout", "assign", nodeId.slice(0, 10), "-z", "dc2", "-c", "50G"));
      fails(await run("layout", "apply", "--version", "7"), /apply version 2/);
      assertMatch(ok(await run("layout", "apply", "--version", "2")), /has been applied/);
      const after = ok(await run("layout", "show"));
      assertMatch(after, /Current cluster layout version: 2/);
      assertMatch(
        after,
        new RegExp(
          `^${nodeId.slice(0, 16)}\\s+\\[\\]\\s+dc2\\s+50\\.0 GB\\s+50\\.0 GB \\(100\\.0%\\)$`,
          "m",
        ),
      );
      fails(await run("layout", "assign", "zzzz", "-z", "a", "-c", "1G"), /0 nodes match 'zzzz'/);
    });

    await t.step("bucket and key deletion", async () => {
      fails(await run("bucket", "delete", "my-bucket"), /Add --yes flag/);
      assertMatch(ok(await run("bucket", "delete", "my-bucket", "--yes")), /has been deleted/);
      fails(await run("bucket", "info", "my-bucket"), /Bucket not found/);
      assertMatch(
        ok(await run("key", "delete", "k1", "--yes")),
        new RegExp(`Access key ${keyId} has been deleted`),
      );
      assert(!ok(await run("key", "list")).includes(keyId));
    });

    await t.step("repairs, workers, block errors and statistics", async () => {
      assertMatch(ok(await run("repair", "scrub", "start")), /Repair launched on node/);
      assertMatch(ok(await run("repair", "versions")), /Repair launched/);
      const workers = ok(await run("worker", "list"));
      for (const name of ["block resync", "block scrub", "table sync", "repair versions"]) {
        assertMatch(workers, new RegExp(name));
      }
      fails(await run("repair", "everything"), /unknown repair "everything"/);
      // Run twice, a repair is listed once.
      ok(await run("repair", "versions"));
      const again = ok(await run("worker", "list"));
      assertEquals(again.match(/repair versions/g)?.length, 1, again);
      assertMatch(
        ok(await run("layout", "history")),
        /Reads use version \d+; data goes to version/,
      );
      fails(await run("node", "connect", "not-a-node"), /<node id>@<host:port>/);
      assertMatch(ok(await run("block", "list-errors")), /No block errors/);
      assertMatch(ok(await run("block", "retry-now", "--all")), /0 block\(s\) queued/);
      const stats = ok(await run("stats"));
      assertMatch(stats, /Partitions held: 256 of 256/);
      assertMatch(stats, /==== cluster ====/);
    });
  } finally {
    await node.stop();
  }
});

Deno.test("command line configuration errors", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "remise-cli-" });
  try {
    await t.step("a missing config file is one line on stderr, exit 1", async () => {
      const r = await cli(["-c", `${dir}/nope.toml`, "key", "list"]);
      fails(r, /nope\.toml: cannot read configuration/);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    });

    await t.step("`server` with a bad config prints the ConfigError line and exits 1", async () => {
      const path = `${dir}/bad.toml`;
      await Deno.writeTextFile(
        path,
        `metadata_dir = "${dir}/m"\ndata_dir = "${dir}/d"\nreplication_factor = "three"\n`,
      );
      const r = await cli(["-c", path, "server"]);
      fails(r, /bad\.toml: `replication_factor` must be an integer/);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertEquals(r.stdout, "");
    });

    await t.step("the config path defaults to REMISE_CONFIG_FILE", async () => {
      const r = await cli(["status"], { REMISE_CONFIG_FILE: `${dir}/from-env.toml` });
      fails(r, /from-env\.toml: cannot read configuration/);
    });

    await t.step("without [admin] api_bind_addr the command line says so", async () => {
      const path = `${dir}/noadmin.toml`;
      await Deno.writeTextFile(
        path,
        [
          `metadata_dir = "${dir}/m"`,
          `data_dir = "${dir}/d"`,
          `replication_factor = 1`,
          `rpc_secret = "${"ab".repeat(32)}"`,
          `rpc_bind_addr = "127.0.0.1:0"`,
          `[s3_api]`,
          `api_bind_addr = "127.0.0.1:0"`,
          `s3_region = "garage"`,
        ].join("\n"),
      );
      fails(await cli(["-c", path, "status"]), /api_bind_addr` is not set/);
    });

    await t.step("a node that is not running is reported as unreachable", async () => {
      const path = `${dir}/down.toml`;
      await Deno.writeTextFile(
        path,
        [
          `metadata_dir = "${dir}/m"`,
          `data_dir = "${dir}/d"`,
          `replication_factor = 1`,
          `rpc_secret = "${"ab".repeat(32)}"`,
          `rpc_bind_addr = "127.0.0.1:0"`,
          `[s3_api]`,
          `api_bind_addr = "127.0.0.1:0"`,
          `s3_region = "garage"`,
          `[admin]`,
          `api_bind_addr = "127.0.0.1:1"`,
          `admin_token = "t"`,
        ].join("\n"),
      );
      fails(
        await cli(["-c", path, "key", "list"]),
        /cannot reach the admin API at http:\/\/127\.0\.0\.1:1.*Is the node running\?/,
      );
    });

    await t.step("help lists the commands", async () => {
      const r = await cli(["--help"]);
      assertEquals(r.code, 0);
      for (
        const c of ["server", "status", "node id", "layout assign", "key create", "bucket allow"]
      ) {
        assert(r.stdout.includes(`  ${c}`), `help does not list ${c}:\n${r.stdout}`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
