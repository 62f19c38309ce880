import { assert, assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import { ConfigError, parseBindAddr, parseConfig } from "./config.ts";

const SECRET = "0b5e3f7a2c9d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f";

/** A garage.toml as Garage's quick-start writes it, with keys Remise parses and ignores. */
const GARAGE_TOML = `
metadata_dir = "/var/lib/garage/meta"
data_dir = "/var/lib/garage/data"
db_engine = "lmdb"
metadata_auto_snapshot_interval = "6h"

replication_factor = 3
consistency_mode = "degraded"
compression_level = 2
block_size = "4M"

rpc_bind_addr = "[::]:3901"
rpc_public_addr = "10.0.0.1:3901"
rpc_secret = "${SECRET}"
bootstrap_peers = ["563e1ac825ee3323aa441e72c26d1030d6d4414aeb3dd25287c531e7fc2bc95d@10.0.0.2:3901"]

[s3_api]
s3_region = "garage"
api_bind_addr = "[::]:3900"
root_domain = ".s3.garage.localhost"

[s3_web]
bind_addr = "[::]:3902"
root_domain = ".web.garage.localhost"
index = "index.html"

[admin]
api_bind_addr = "[::]:3903"
admin_token = "admin-secret"
metrics_token = "metrics-secret"
`;

const MINIMAL = (extra = "") =>
  [
    `metadata_dir = "meta"`,
    `data_dir = "data"`,
    `replication_factor = 1`,
    `rpc_secret = "${SECRET}"`,
    `rpc_bind_addr = "127.0.0.1:3901"`,
    extra,
    `[s3_api]`,
    `api_bind_addr = "127.0.0.1:3900"`,
    `s3_region = "garage"`,
  ].join("\n");

/** Asserts a ConfigError: one line, naming the file and matching `re`. */
function configError(fn: () => unknown, re: RegExp): string {
  const e = assertThrows(fn);
  assert(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
  const msg = (e as ConfigError).message;
  assert(!msg.includes("\n"), `the message is not one line: ${JSON.stringify(msg)}`);
  assertMatch(msg, /^\/etc\/remise\.toml: /);
  assertMatch(msg, re);
  return msg;
}

Deno.test("a Garage-style configuration loads", () => {
  const c = parseConfig(GARAGE_TOML, "/etc/garage.toml");
  assertEquals(c.metadataDir, "/var/lib/garage/meta");
  assertEquals(c.dataDir, "/var/lib/garage/data");
  assertEquals(c.replicationFactor, 3);
  assertEquals(c.consistencyMode, "degraded");
  assertEquals(c.compressionLevel, 2);
  assertEquals(c.blockSize, 4_000_000);
  assertEquals(c.rpcBindAddr, "[::]:3901");
  assertEquals(c.rpcPublicAddr, "10.0.0.1:3901");
  assertEquals(c.rpcSecret, SECRET);
  assertEquals(c.bootstrapPeers.length, 1);
  assertEquals(c.s3Api, {
    apiBindAddr: "[::]:3900",
    s3Region: "garage",
    rootDomain: ".s3.garage.localhost",
    publicAccessBlock: {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
    allowPublicWrite: false,
    allowPostSignatureV2: false,
  });
  assertEquals(c.s3Web, {
    bindAddr: "[::]:3902",
    rootDomain: ".web.garage.localhost",
    index: "index.html",
  });
  assertEquals(c.admin, {
    apiBindAddr: "[::]:3903",
    adminToken: "admin-secret",
    metricsToken: "metrics-secret",
  });
  assertEquals(c.autoLayout, undefined);
});

Deno.test("defaults, relative paths and auto_layout", () => {
  const c = parseConfig(
    MINIMAL() + `\n[auto_layout]\nzone = "dev"\ncapacity = "1G"\n`,
    "/srv/remise/remise.toml",
  );
  assertEquals(c.metadataDir, "/srv/remise/meta", "relative paths are relative to the file");
  assertEquals(c.dataDir, "/srv/remise/data");
  assertEquals(c.consistencyMode, "consistent");
  assertEquals(c.blockSize, 1024 * 1024);
  assertEquals(c.admin.apiBindAddr, undefined);
  assertEquals(c.autoLayout, { zone: "dev", capacity: 1e9 });
  assertEquals(c.s3Web, undefined);
});

Deno.test("an unknown key is one line naming the key and the file", () => {
  configError(
    () => parseConfig(MINIMAL(`replication_mode_typo = "3"`), "/etc/remise.toml"),
    /unknown key `replication_mode_typo`/,
  );
  configError(
    () => parseConfig(MINIMAL() + `\nbogus_option = true`, "/etc/remise.toml"),
    /unknown key `s3_api.bogus_option`/,
  );
});

Deno.test("a value of the wrong type is one line naming the key and the file", () => {
  configError(
    () =>
      parseConfig(
        MINIMAL().replace("replication_factor = 1", `replication_factor = "3"`),
        "/etc/remise.toml",
      ),
    /`replication_factor` must be an integer/,
  );
  configError(
    () => parseConfig(MINIMAL(`block_size = "huge"`), "/etc/remise.toml"),
    /`block_size` must be a size in bytes/,
  );
  configError(
    () => parseConfig(MINIMAL(`data_fsync = "yes"`), "/etc/remise.toml"),
    /`data_fsync` must be true or false/,
  );
  configError(
    () => parseConfig(MINIMAL(`consistency_mode = "eventual"`), "/etc/remise.toml"),
    /`consistency_mode` must be "consistent", "degraded" or "dangerous"/,
  );
  configError(
    () => parseConfig(MINIMAL().replace(SECRET, "short"), "/etc/remise.toml"),
    /`rpc_secret` must be 32 bytes in hex/,
  );
  configError(() => parseConfig("metadata_dir = ", "/etc/remise.toml"), /invalid TOML/);
});

Deno.test("a missing required key is one line naming the key and the file", () => {
  configError(
    () => parseConfig(MINIMAL().replace(`metadata_dir = "meta"`, ""), "/etc/remise.toml"),
    /missing required key `metadata_dir`/,
  );
  configError(
    () => parseConfig(MINIMAL().replace(`s3_region = "garage"`, ""), "/etc/remise.toml"),
    /missing required key `s3_api.s3_region`/,
  );
  configError(
    () => parseConfig(MINIMAL().replace(/rpc_secret = .*/, ""), "/etc/remise.toml"),
    /missing required key `rpc_secret`/,
  );
  configError(
    () => parseConfig(MINIMAL().split("[s3_api]")[0], "/etc/remise.toml"),
    /missing required section `\[s3_api\]`/,
  );
});

Deno.test("REMISE_RPC_SECRET and REMISE_ADMIN_TOKEN override the file", () => {
  const other = "ab".repeat(32);
  const c = parseConfig(MINIMAL(), "/etc/remise.toml", {
    REMISE_RPC_SECRET: other,
    REMISE_ADMIN_TOKEN: "from-env",
    REMISE_METRICS_TOKEN: "metrics-env",
  });
  assertEquals(c.rpcSecret, other);
  assertEquals(c.admin.adminToken, "from-env");
  assertEquals(c.admin.metricsToken, "metrics-env");
  // The environment can supply a secret the file leaves out.
  const d = parseConfig(MINIMAL().replace(/rpc_secret = .*/, ""), "/etc/remise.toml", {
    REMISE_RPC_SECRET: other,
  });
  assertEquals(d.rpcSecret, other);
  // An environment secret replaces a file's rpc_secret_file too, as GARAGE_RPC_SECRET does.
  const e = parseConfig(
    MINIMAL(`rpc_secret_file = "/nonexistent"`).replace(/rpc_secret = .*/, ""),
    "/etc/remise.toml",
    { REMISE_RPC_SECRET: other },
  );
  assertEquals(e.rpcSecret, other);
  configError(
    () =>
      parseConfig(MINIMAL(), "/etc/remise.toml", {
        REMISE_RPC_SECRET: other,
        REMISE_RPC_SECRET_FILE: "/x",
      }),
    /set only one of REMISE_RPC_SECRET/,
  );
  // Variables that are not set change nothing.
  assertEquals(parseConfig(MINIMAL(), "/etc/remise.toml", {}).admin.adminToken, undefined);
});

Deno.test("rpc_secret_file and admin_token_file are read, relative to the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "remise-config-" });
  try {
    await Deno.writeTextFile(`${dir}/rpc_secret`, SECRET.toUpperCase() + "\n");
    await Deno.writeTextFile(`${dir}/admin_token`, "file-token\n");
    const text = MINIMAL(`rpc_secret_file = "rpc_secret"`).replace(/rpc_secret = .*/, "") +
      `\n[admin]\nadmin_token_file = "${dir}/admin_token"\n`;
    const c = parseConfig(text, `${dir}/remise.toml`);
    assertEquals(c.rpcSecret, SECRET, "read, trimmed and lower-cased");
    assertEquals(c.admin.adminToken, "file-token");

    const missing = assertThrows(() =>
      parseConfig(
        MINIMAL(`rpc_secret_file = "nope"`).replace(/rpc_secret = .*/, ""),
        `${dir}/remise.toml`,
      )
    ) as Error;
    assert(missing instanceof ConfigError);
    assertMatch(missing.message, /cannot read `rpc_secret_file`/);
    assertMatch(missing.message, new RegExp(`${dir}/nope`));

    const both = assertThrows(() =>
      parseConfig(MINIMAL(`rpc_secret_file = "rpc_secret"`), `${dir}/remise.toml`)
    ) as Error;
    assertMatch(both.message, /set only one of `rpc_secret` and `rpc_secret_file`/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bind addresses", () => {
  assertEquals(parseBindAddr("127.0.0.1:3900"), { hostname: "127.0.0.1", port: 3900 });
  assertEquals(parseBindAddr("[::]:3901"), { hostname: "::", port: 3901 });
  assertThrows(() => parseBindAddr("3900"));
});
