/**
 * Property-based fuzzing of the configuration file (server/util/config.ts parseConfig): any
 * TOML text, any value for any known key and any REMISE_* environment override end in a
 * Config or a ConfigError (the one line printed at start-up), never another error; a Config
 * returned satisfies the documented limits; a key or section the file format does not know is
 * refused.
 *
 * Secret-file paths are resolved against a directory that does not exist, and no generated
 * path holds a "/", so no run reads a real file.
 */
import fc from "fast-check";
import { ConfigError, parseConfig } from "../../server/util/config.ts";
import { assert, AssertionError } from "../assert.ts";
import { describeError, expectType, HOSTILE_NAMES, outcome, runs } from "./props.ts";

const FILE = "/nonexistent-remise-fuzz/remise.toml";
const SECRET = "0b5e3f7a2c9d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f";

/** The keys config.ts knows (copied from its tables: they are not exported). */
const TOP_KEYS = [
  "metadata_dir",
  "data_dir",
  "replication_factor",
  "replication_mode",
  "consistency_mode",
  "block_size",
  "compression_level",
  "metadata_fsync",
  "data_fsync",
  "rpc_secret",
  "rpc_secret_file",
  "rpc_bind_addr",
  "rpc_public_addr",
  "bootstrap_peers",
  "block_gc_delay_secs",
  "table_gc_delay_secs",
  "db_engine",
  "lmdb_map_size",
  "metadata_snapshots_dir",
  "metadata_auto_snapshot_interval",
  "block_ram_buffer_max",
  "block_max_concurrent_reads",
  "disable_scrub",
  "use_local_tz",
  "rpc_bind_outgoing",
  "rpc_ping_timeout_msec",
  "rpc_timeout_msec",
  "rpc_ping_interval_msec",
  "table_sync_interval_secs",
  "rpc_tls_ca_file",
  "rpc_tls_cert_file",
  "rpc_tls_key_file",
  "allow_world_readable_secrets",
  "allow_punycode",
];
const SECTION_KEYS: Record<string, string[]> = {
  s3_api: ["api_bind_addr", "s3_region", "root_domain"],
  s3_web: ["bind_addr", "root_domain", "index", "add_host_to_metrics"],
  admin: [
    "api_bind_addr",
    "admin_token",
    "admin_token_file",
    "metrics_token",
    "metrics_token_file",
    "metrics_require_token",
    "trace_sink",
  ],
  auto_layout: ["zone", "capacity"],
};
const ENV_NAMES = [
  "REMISE_RPC_SECRET",
  "REMISE_RPC_SECRET_FILE",
  "REMISE_ADMIN_TOKEN",
  "REMISE_ADMIN_TOKEN_FILE",
  "REMISE_METRICS_TOKEN",
  "REMISE_METRICS_TOKEN_FILE",
  "REMISE_LIFECYCLE_DAY_MS",
];

const MINIMAL = [
  `metadata_dir = "meta"`,
  `data_dir = "data"`,
  `replication_factor = 1`,
  `rpc_secret = "${SECRET}"`,
  `rpc_bind_addr = "127.0.0.1:3901"`,
];
const MINIMAL_S3 = [`[s3_api]`, `api_bind_addr = "127.0.0.1:3900"`, `s3_region = "garage"`];

// --- generators ----------------------------------------------------------------------------

/** Text without "/" (so never a path outside the nonexistent directory), TOML-escaped. */
const safeText = fc.string({ maxLength: 12 }).map((s) => s.replace(/\//g, "_"));
const tomlString = fc.oneof(
  safeText.map((s) => JSON.stringify(s)),
  safeText.filter((s) => !/['\n\r]/.test(s)).map((s) => `'${s}'`),
  fc.constantFrom(
    `"${SECRET}"`,
    `"${SECRET.toUpperCase()}"`,
    `"${SECRET.slice(1)}"`,
    '"consistent"',
    '"degraded"',
    '"dangerous"',
    '"none"',
    '"1M"',
    '"4 KiB"',
    '"64MiB"',
    '"65M"',
    '"1.5G"',
    '"1e3"',
    '"-1"',
    '"127.0.0.1:3900"',
    '"[::]:3900"',
    '""',
    '"\\u0000"',
    '"""multi\nline"""',
  ),
);
const tomlScalar = fc.oneof(
  tomlString,
  fc.integer().map(String),
  fc.constantFrom(
    "0",
    "1",
    "-1",
    "3",
    "4095",
    "4096",
    "67108864",
    "67108865",
    "9007199254740991",
    "9007199254740993",
    "99999999999999999999",
    "0x10",
    "0o7",
    "0b1",
    "1_000",
    "1.0",
    "1.5",
    "-0.0",
    "1e3",
    "inf",
    "nan",
    "true",
    "false",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "07:32:00",
  ),
);
const tomlValue: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    tomlScalar,
    fc.array(tie("v"), { maxLength: 3 }).map((a) => `[${a.join(", ")}]`),
    fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,8}$/), tie("v")), { maxLength: 3 }).map(
      (e) => `{ ${[...new Map(e)].map(([k, v]) => `${k} = ${v}`).join(", ")} }`,
    ),
  ),
})).v;

const anyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOP_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...Object.values(SECTION_KEYS).flat()) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_]{1,10}$/) },
);
const anySection = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...Object.keys(SECTION_KEYS)) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_]{1,10}$/) },
);

/** Lines of a config: assignments, section headers, sometimes broken ones. */
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(anyKey, tomlValue).map(([k, v]) => `${k} = ${v}`) },
  { weight: 2, arbitrary: anySection.map((s) => `[${s}]`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "[[s3_api]]",
      "[admin.x]",
      's3_api.s3_region = "x"',
      "admin = 5",
      'admin = "token"',
      "admin = []",
      "s3_api = {}",
      "= 1",
      "[",
      "# comment",
      "",
      "a = ",
      '"quoted key" = 1',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const env = fc.dictionary(
  fc.constantFrom(...ENV_NAMES),
  fc.oneof(
    fc.constantFrom(SECRET, "", "token", "missing-file", "0", "86400000", "1e3", "-5"),
    safeText,
  ),
  { maxKeys: 3 },
).map((e) => e as Record<string, string>);

/** A config: the minimal valid one with random lines mixed in, or random lines only. */
const configText = fc.oneof(
  fc.tuple(fc.array(line, { maxLength: 8 }), fc.array(line, { maxLength: 4 })).map(
    ([top, tail]) => [...MINIMAL, ...top, ...MINIMAL_S3, ...tail].join("\n"),
  ),
  fc.array(line, { maxLength: 15 }).map((l) => l.join("\n")),
);

// --- properties ----------------------------------------------------------------------------

Deno.test("fuzz config: any TOML text, known keys with any values and any REMISE_* environment give a valid Config or a ConfigError (2000 runs)", () => {
  fc.assert(
    fc.property(configText, env, (text, e) => {
      const o = outcome(() => parseConfig(text, FILE, e));
      const context = `config ${JSON.stringify(text)} with env ${JSON.stringify(e)}`;
      if (!o.ok) {
        expectType(o.error, ConfigError, context);
        return;
      }
      const c = o.value;
      assert(
        Number.isSafeInteger(c.replicationFactor) && c.replicationFactor >= 1,
        `${context}: replication factor ${c.replicationFactor}`,
      );
      assert(
        Number.isInteger(c.blockSize) && c.blockSize >= 4096 && c.blockSize <= 64 * 1024 * 1024,
        `${context}: block size ${c.blockSize}`,
      );
      assert(/^[0-9a-f]{64}$/.test(c.rpcSecret), `${context}: rpc secret ${c.rpcSecret}`);
      assert(
        ["consistent", "degraded", "dangerous"].includes(c.consistencyMode),
        `${context}: consistency mode ${c.consistencyMode}`,
      );
      assert(typeof c.s3Api.s3Region === "string", `${context}: region ${c.s3Api.s3Region}`);
      assert(
        Number.isSafeInteger(c.lifecycleDayMs) && c.lifecycleDayMs > 0,
        `${context}: lifecycle day ${c.lifecycleDayMs}`,
      );
    }),
    runs(2000),
  );
});

Deno.test("fuzz config: a valid config with one unknown key (top-level or in [s3_api]) or unknown section, whatever its name, is refused with a ConfigError (1000 runs)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("top-level key", "key in [s3_api]", "table", "table with a key"),
      fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.stringMatching(/^[a-z_]{1,12}$/)),
      tomlScalar,
      (form, name, value) => {
        const known = form === "key in [s3_api]"
          ? SECTION_KEYS.s3_api
          : [...TOP_KEYS, ...Object.keys(SECTION_KEYS)];
        fc.pre(!known.includes(name));
        const text = form === "top-level key"
          ? [...MINIMAL, `${name} = ${value}`, ...MINIMAL_S3]
          : form === "key in [s3_api]"
          ? [...MINIMAL, ...MINIMAL_S3, `${name} = ${value}`]
          : form === "table"
          ? [...MINIMAL, ...MINIMAL_S3, `[${name}]`]
          : [...MINIMAL, ...MINIMAL_S3, `[${name}]`, `zone = ${value}`];
        const o = outcome(() => parseConfig(text.join("\n"), FILE, {}));
        const what = `the unknown ${form} \`${name}\` (${text.slice(MINIMAL.length).join("\\n")})`;
        if (o.ok) throw new AssertionError(`${what} was accepted`);
        if (!(o.error instanceof ConfigError)) {
          throw new AssertionError(`${what} raised ${describeError(o.error)}`);
        }
      },
    ),
    runs(1000),
  );
});
