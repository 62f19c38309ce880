import { parse as parseToml } from "smol-toml";
import { dirname, isAbsolute, join } from "node:path";
import { parseSize } from "./size.ts";
import type { Reserve } from "./disk_space.ts";

export type ConsistencyMode = "consistent" | "degraded" | "dangerous";

export interface Config {
  file: string;
  metadataDir: string;
  dataDir: string;
  replicationFactor: number;
  consistencyMode: ConsistencyMode;
  blockSize: number;
  compressionLevel: number | "none";
  metadataFsync: boolean;
  dataFsync: boolean;
  /** Where CreateMetadataSnapshot writes (metadata_snapshots_dir). */
  metadataSnapshotsDir: string;
  /** Snapshots kept; older ones are removed as new ones are made. */
  metadataSnapshotsKeep: number;
  /** A snapshot every so often (ms), or null (metadata_auto_snapshot_interval). */
  metadataAutoSnapshotMs: number | null;
  rpcSecret: string;
  rpcBindAddr: string;
  rpcPublicAddr?: string;
  bootstrapPeers: string[];
  rpcTimeoutMs: number;
  rpcPingTimeoutMs: number;
  /** Remise extension: how often peers are pinged (a peer is down after 3 missed pings). */
  rpcPingIntervalMs: number;
  /** Remise extension: how often every table is compared with its other replicas. */
  syncIntervalMs: number;
  /** Remise extension: an operator's own CA and node certificate instead of generated ones. */
  rpcTls?: { caFile: string; certFile: string; keyFile: string };
  /** Remise extension: how long an unreferenced block is kept before deletion. */
  blockGcDelayMs: number;
  /** Remise extension: how long a tombstone is kept before it is collected (Garage: 24 h). */
  tableGcDelayMs: number;
  /** Remise extension: a node with this set gives itself a role while the layout is empty. */
  autoLayout?: { zone: string; capacity: number };
  /**
   * Test and operator knob, set only by REMISE_LIFECYCLE_DAY_MS: the length of a lifecycle
   * "day" (rules' Days, the daily pass). Tests shorten it to see objects expire in seconds.
   */
  lifecycleDayMs: number;
  /** How often the usage history is sampled (REMISE_USAGE_SAMPLE_MS, for tests). */
  usageSampleMs: number;
  s3Api: {
    apiBindAddr: string;
    s3Region: string;
    rootDomain?: string;
    /** The cluster's public access block: holds for every bucket, whatever its own. */
    publicAccessBlock: {
      blockPublicAcls: boolean;
      ignorePublicAcls: boolean;
      blockPublicPolicy: boolean;
      restrictPublicBuckets: boolean;
    };
    /** Whether the canned ACL public-read-write (anonymous writes) may be set. */
    allowPublicWrite: boolean;
    /** Whether browser forms signed with Signature Version 2 are accepted. */
    allowPostSignatureV2: boolean;
  };
  s3Web?: { bindAddr: string; rootDomain?: string; index: string };
  admin: { apiBindAddr?: string; adminToken?: string; metricsToken?: string };
  /** Remise extension: what one client may hold of each HTTP listener (S3, website, admin). */
  http: ConnectionLimits;
  /** Remise extension: free space kept on each disk; below it new data is refused. */
  minFreeSpace: Reserve;
}

export interface ConnectionLimits {
  /** A request's headers must have arrived this long after its first byte. */
  headerTimeoutMs: number;
  /** A connection that sends nothing for this long, between requests or in a body, is closed. */
  idleTimeoutMs: number;
  /** Open connections per listener; more are answered 503 and closed. */
  maxConnections: number;
}

/** Raised for any configuration problem; its message is the one line printed at start-up. */
export class ConfigError extends Error {}

type Kind =
  | "string"
  | "int"
  | "bool"
  | "size"
  | "strings"
  | "compression"
  | "reserve"
  | "duration";
interface KeySpec {
  kind: Kind;
  required?: boolean;
  /** A Garage key that Remise parses and does not use, so existing garage.toml files load. */
  ignored?: boolean;
}

const TOP: Record<string, KeySpec> = {
  metadata_dir: { kind: "string", required: true },
  data_dir: { kind: "string", required: true },
  replication_factor: { kind: "int", required: true },
  replication_mode: { kind: "string" },
  consistency_mode: { kind: "string" },
  block_size: { kind: "size" },
  compression_level: { kind: "compression" },
  metadata_fsync: { kind: "bool" },
  data_fsync: { kind: "bool" },
  rpc_secret: { kind: "string" },
  rpc_secret_file: { kind: "string" },
  rpc_bind_addr: { kind: "string", required: true },
  rpc_public_addr: { kind: "string" },
  bootstrap_peers: { kind: "strings" },
  block_gc_delay_secs: { kind: "int" },
  table_gc_delay_secs: { kind: "int" },
  db_engine: { kind: "string", ignored: true },
  lmdb_map_size: { kind: "size", ignored: true },
  metadata_snapshots_dir: { kind: "string" },
  metadata_auto_snapshot_interval: { kind: "duration" },
  metadata_snapshots_keep: { kind: "int" },
  block_ram_buffer_max: { kind: "size", ignored: true },
  block_max_concurrent_reads: { kind: "int", ignored: true },
  disable_scrub: { kind: "bool", ignored: true },
  use_local_tz: { kind: "bool", ignored: true },
  rpc_bind_outgoing: { kind: "bool", ignored: true },
  rpc_ping_timeout_msec: { kind: "int" },
  rpc_timeout_msec: { kind: "int" },
  rpc_ping_interval_msec: { kind: "int" },
  table_sync_interval_secs: { kind: "int" },
  rpc_tls_ca_file: { kind: "string" },
  rpc_tls_cert_file: { kind: "string" },
  rpc_tls_key_file: { kind: "string" },
  min_free_space: { kind: "reserve" },
  allow_world_readable_secrets: { kind: "bool", ignored: true },
  allow_punycode: { kind: "bool", ignored: true },
};

const SECTIONS: Record<string, Record<string, KeySpec>> = {
  s3_api: {
    api_bind_addr: { kind: "string", required: true },
    s3_region: { kind: "string", required: true },
    root_domain: { kind: "string" },
    block_public_acls: { kind: "bool" },
    ignore_public_acls: { kind: "bool" },
    block_public_policy: { kind: "bool" },
    restrict_public_buckets: { kind: "bool" },
    allow_public_write: { kind: "bool" },
    allow_post_signature_v2: { kind: "bool" },
  },
  s3_web: {
    bind_addr: { kind: "string", required: true },
    root_domain: { kind: "string" },
    index: { kind: "string" },
    add_host_to_metrics: { kind: "bool", ignored: true },
  },
  admin: {
    api_bind_addr: { kind: "string" },
    admin_token: { kind: "string" },
    admin_token_file: { kind: "string" },
    metrics_token: { kind: "string" },
    metrics_token_file: { kind: "string" },
    metrics_require_token: { kind: "bool", ignored: true },
    trace_sink: { kind: "string", ignored: true },
  },
  auto_layout: {
    zone: { kind: "string", required: true },
    capacity: { kind: "size", required: true },
  },
  http: {
    header_timeout_secs: { kind: "int" },
    idle_timeout_secs: { kind: "int" },
    max_connections: { kind: "int" },
  },
};

const REQUIRED_SECTIONS = ["s3_api"];

/** Environment variables that override a key, as GARAGE_* does for Garage. */
const ENV_OVERRIDES: Array<[string, string, string?]> = [
  ["REMISE_RPC_SECRET", "rpc_secret"],
  ["REMISE_RPC_SECRET_FILE", "rpc_secret_file"],
  ["REMISE_ADMIN_TOKEN", "admin_token", "admin"],
  ["REMISE_ADMIN_TOKEN_FILE", "admin_token_file", "admin"],
  ["REMISE_METRICS_TOKEN", "metrics_token", "admin"],
  ["REMISE_METRICS_TOKEN_FILE", "metrics_token_file", "admin"],
];

function checkValue(file: string, name: string, spec: KeySpec, v: unknown): unknown {
  const bad = (what: string) => new ConfigError(`${file}: \`${name}\` must be ${what}`);
  switch (spec.kind) {
    case "string":
      if (typeof v !== "string") throw bad("a string");
      return v;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) throw bad("an integer");
      return v;
    case "bool":
      if (typeof v !== "boolean") throw bad("true or false");
      return v;
    case "size": {
      const n = parseSize(v);
      if (n === undefined) throw bad('a size in bytes (e.g. 1048576 or "1M")');
      return n;
    }
    case "strings":
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
        throw bad("a list of strings");
      }
      return v;
    case "reserve": {
      const percent = typeof v === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
      if (percent && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
      const n = parseSize(v);
      if (n === undefined) throw bad('a size (e.g. "1G") or a share of the disk (e.g. "5%")');
      return { bytes: n };
    }
    case "compression":
      if (v === "none" || (typeof v === "number" && Number.isInteger(v))) return v;
      throw bad('an integer compression level or "none"');
    case "duration": {
      const ms = typeof v === "string" ? parseDuration(v) : undefined;
      if (ms === undefined) throw bad('a duration such as "6h", "30m" or "1d"');
      return ms;
    }
  }
}

function checkTable(
  file: string,
  prefix: string,
  table: Record<string, unknown>,
  specs: Record<string, KeySpec>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(table)) {
    const spec = Object.hasOwn(specs, k) ? specs[k] : undefined;
    const name = prefix + k;
    if (!spec) throw new ConfigError(`${file}: unknown key \`${name}\``);
    out[k] = checkValue(file, name, spec, v);
  }
  for (const [k, spec] of Object.entries(specs)) {
    if (spec.required && !(k in out)) {
      throw new ConfigError(`${file}: missing required key \`${prefix}${k}\``);
    }
  }
  return out;
}

function readSecretFile(file: string, key: string, path: string): string {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch (e) {
    throw new ConfigError(`${file}: cannot read \`${key}\` ${path}: ${(e as Error).message}`);
  }
}

/** "6h", "30m", "1d", "90s" (and combinations such as "1h30m") in ms; undefined if not one. */
export function parseDuration(text: string): number | undefined {
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const t = text.trim();
  if (!/^(\d+[smhd])+$/.test(t)) return undefined;
  let ms = 0;
  for (const [, n, u] of t.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * unit[u];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** Parses a Garage-style TOML configuration; `env` overrides secrets like GARAGE_* does. */
export function parseConfig(
  text: string,
  file: string,
  env: Record<string, string | undefined> = {},
): Config {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const first = String((e as Error).message).split("\n")[0];
    throw new ConfigError(`${file}: invalid TOML: ${first}`);
  }
  applyEnvOverrides(raw, env, file);
  const { t, sections } = checkSections(raw, file);
  const base = dirname(file);
  const path = (p: string) => isAbsolute(p) ? p : join(base, p);

  const rpcSecret = rpcSecretOf(t, file, path);
  const rf = t.replication_factor as number;
  if (rf < 1) throw new ConfigError(`${file}: \`replication_factor\` must be at least 1`);
  const consistency = (t.consistency_mode ?? "consistent") as string;
  if (!["consistent", "degraded", "dangerous"].includes(consistency)) {
    throw new ConfigError(
      `${file}: \`consistency_mode\` must be "consistent", "degraded" or "dangerous"`,
    );
  }
  const blockSize = (t.block_size ?? 1024 * 1024) as number;
  if (blockSize < 4096 || blockSize > 64 * 1024 * 1024) {
    throw new ConfigError(`${file}: \`block_size\` must be between 4 KiB and 64 MiB`);
  }

  const snapshotsKeep = (t.metadata_snapshots_keep ?? 2) as number;
  if (snapshotsKeep < 1) {
    throw new ConfigError(`${file}: \`metadata_snapshots_keep\` must be at least 1`);
  }

  const dayMs = env.REMISE_LIFECYCLE_DAY_MS ?? "86400000";
  if (!/^[1-9]\d*$/.test(dayMs)) {
    throw new ConfigError("REMISE_LIFECYCLE_DAY_MS must be a positive number of milliseconds");
  }

  // Tests sample usage every fraction of a second; a node keeps the default.
  const sampleMs = env.REMISE_USAGE_SAMPLE_MS ?? "30000";
  if (!/^[1-9]\d*$/.test(sampleMs)) {
    throw new ConfigError("REMISE_USAGE_SAMPLE_MS must be a positive number of milliseconds");
  }

  const tlsKeys = ["rpc_tls_ca_file", "rpc_tls_cert_file", "rpc_tls_key_file"];
  const tlsSet = tlsKeys.filter((k) => t[k] !== undefined);
  if (tlsSet.length > 0 && tlsSet.length < 3) {
    throw new ConfigError(
      `${file}: to bring your own certificates set all of ${
        tlsKeys.map((k) => `\`${k}\``).join(", ")
      } (or none, and nodes make their own from rpc_secret)`,
    );
  }

  const s3 = sections.s3_api;
  const web = sections.s3_web;
  const auto = sections.auto_layout;

  return {
    file,
    metadataDir: path(t.metadata_dir as string),
    dataDir: path(t.data_dir as string),
    replicationFactor: rf,
    consistencyMode: consistency as ConsistencyMode,
    blockSize,
    compressionLevel: (t.compression_level ?? 1) as number | "none",
    metadataFsync: (t.metadata_fsync ?? false) as boolean,
    metadataSnapshotsDir: t.metadata_snapshots_dir === undefined
      ? join(path(t.metadata_dir as string), "snapshots")
      : path(t.metadata_snapshots_dir as string),
    metadataSnapshotsKeep: snapshotsKeep,
    metadataAutoSnapshotMs: (t.metadata_auto_snapshot_interval ?? null) as number | null,
    dataFsync: (t.data_fsync ?? false) as boolean,
    rpcSecret: rpcSecret.toLowerCase(),
    rpcBindAddr: t.rpc_bind_addr as string,
    rpcPublicAddr: t.rpc_public_addr as string | undefined,
    bootstrapPeers: (t.bootstrap_peers ?? []) as string[],
    rpcTimeoutMs: (t.rpc_timeout_msec ?? 30_000) as number,
    rpcPingTimeoutMs: (t.rpc_ping_timeout_msec ?? 10_000) as number,
    rpcPingIntervalMs: (t.rpc_ping_interval_msec ?? 10_000) as number,
    syncIntervalMs: ((t.table_sync_interval_secs ?? 600) as number) * 1000,
    rpcTls: tlsSet.length === 3
      ? {
        caFile: path(t.rpc_tls_ca_file as string),
        certFile: path(t.rpc_tls_cert_file as string),
        keyFile: path(t.rpc_tls_key_file as string),
      }
      : undefined,
    blockGcDelayMs: ((t.block_gc_delay_secs ?? 600) as number) * 1000,
    tableGcDelayMs: ((t.table_gc_delay_secs ?? 86_400) as number) * 1000,
    lifecycleDayMs: Number(dayMs),
    usageSampleMs: Number(sampleMs),
    autoLayout: auto ? { zone: auto.zone as string, capacity: auto.capacity as number } : undefined,
    s3Api: {
      apiBindAddr: s3.api_bind_addr as string,
      s3Region: s3.s3_region as string,
      rootDomain: s3.root_domain as string | undefined,
      publicAccessBlock: {
        blockPublicAcls: (s3.block_public_acls ?? false) as boolean,
        ignorePublicAcls: (s3.ignore_public_acls ?? false) as boolean,
        blockPublicPolicy: (s3.block_public_policy ?? false) as boolean,
        restrictPublicBuckets: (s3.restrict_public_buckets ?? false) as boolean,
      },
      allowPublicWrite: (s3.allow_public_write ?? false) as boolean,
      allowPostSignatureV2: (s3.allow_post_signature_v2 ?? false) as boolean,
    },
    s3Web: web
      ? {
        bindAddr: web.bind_addr as string,
        rootDomain: web.root_domain as string | undefined,
        index: (web.index ?? "index.html") as string,
      }
      : undefined,
    admin: adminOf(sections.admin ?? {}, file, path),
    minFreeSpace: (t.min_free_space ?? { bytes: 1024 ** 3 }) as Reserve,
    http: connectionLimitsOf(sections.http ?? {}, file),
  };
}

/** `[admin]`: its tokens inline or in files, one way or the other. */
function adminOf(
  admin: Record<string, unknown>,
  file: string,
  path: (p: string) => string,
): Config["admin"] {
  const secretOf = (key: string, fileKey: string): string | undefined => {
    if (admin[fileKey] !== undefined) {
      if (admin[key] !== undefined) {
        throw new ConfigError(`${file}: set only one of \`admin.${key}\` and \`admin.${fileKey}\``);
      }
      return readSecretFile(file, `admin.${fileKey}`, path(admin[fileKey] as string));
    }
    return admin[key] as string | undefined;
  };
  return {
    apiBindAddr: admin.api_bind_addr as string | undefined,
    adminToken: secretOf("admin_token", "admin_token_file"),
    metricsToken: secretOf("metrics_token", "metrics_token_file"),
  };
}

/** `[http]`: what one client may hold of a listener. */
function connectionLimitsOf(http: Record<string, unknown>, file: string): ConnectionLimits {
  const positive = (key: string, fallback: number): number => {
    const v = (http[key] ?? fallback) as number;
    if (v < 1) throw new ConfigError(`${file}: \`http.${key}\` must be at least 1`);
    return v;
  };
  return {
    headerTimeoutMs: positive("header_timeout_secs", 30) * 1000,
    idleTimeoutMs: positive("idle_timeout_secs", 75) * 1000,
    maxConnections: positive("max_connections", 1024),
  };
}

/** The environment replaces the file's value in either form (inline or _file), as in Garage. */
function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  file: string,
): void {
  for (const [envName, key, section] of ENV_OVERRIDES) {
    const v = env[envName];
    if (v === undefined) continue;
    const target = section ? (raw[section] ??= {}) : raw;
    if (typeof target !== "object" || target === null || Array.isArray(target)) {
      throw new ConfigError(`${file}: \`${section}\` must be a table ([${section}])`);
    }
    const other = key.endsWith("_file") ? key.slice(0, -5) : `${key}_file`;
    if (
      env[ENV_OVERRIDES.find(([, k, s]) => k === other && s === section)?.[0] ?? ""] !== undefined
    ) {
      throw new ConfigError(
        `${file}: set only one of ${envName} and the variable for \`${other}\``,
      );
    }
    delete (target as Record<string, unknown>)[other];
    (target as Record<string, unknown>)[key] = v;
  }
}

/** Top-level keys and sections, each checked against its specification. */
function checkSections(raw: Record<string, unknown>, file: string) {
  const top: Record<string, unknown> = Object.create(null);
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(raw)) {
    // Own keys only: "[constructor]" or "toString = 1" name nothing, however objects inherit.
    if (Object.hasOwn(SECTIONS, k)) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new ConfigError(`${file}: \`${k}\` must be a table ([${k}])`);
      }
      sections[k] = checkTable(file, `${k}.`, v as Record<string, unknown>, SECTIONS[k]);
    } else {
      top[k] = v;
    }
  }
  const t = checkTable(file, "", top, TOP);
  for (const s of REQUIRED_SECTIONS) {
    if (!sections[s]) throw new ConfigError(`${file}: missing required section \`[${s}]\``);
  }
  return { t, sections };
}

function rpcSecretOf(
  t: Record<string, unknown>,
  file: string,
  path: (p: string) => string,
): string {
  let rpcSecret = t.rpc_secret as string | undefined;
  if (t.rpc_secret_file !== undefined) {
    if (rpcSecret !== undefined) {
      throw new ConfigError(`${file}: set only one of \`rpc_secret\` and \`rpc_secret_file\``);
    }
    rpcSecret = readSecretFile(file, "rpc_secret_file", path(t.rpc_secret_file as string));
  }
  if (rpcSecret === undefined) {
    throw new ConfigError(`${file}: missing required key \`rpc_secret\` (or \`rpc_secret_file\`)`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(rpcSecret)) {
    throw new ConfigError(
      `${file}: \`rpc_secret\` must be 32 bytes in hex (64 characters); make one with \`openssl rand -hex 32\``,
    );
  }
  return rpcSecret;
}

export function loadConfig(file: string, env = Deno.env.toObject()): Config {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    throw new ConfigError(`${file}: cannot read configuration: ${(e as Error).message}`);
  }
  return parseConfig(text, file, env);
}

/** The node's Deno KV database. */
export function metadataDbPath(config: Config): string {
  return join(config.metadataDir, "db.sqlite");
}

/** The Deno KV database of the node's Merkle trees, rebuilt from the other when in doubt. */
export function metadataTreesPath(config: Config): string {
  return join(config.metadataDir, "merkle.sqlite");
}

/** Splits "host:port" / "[v6]:port" into the parts Deno.serve and Deno.listen take. */
export function parseBindAddr(addr: string): { hostname: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  if (!m) throw new ConfigError(`bind address \`${addr}\` must look like host:port`);
  return { hostname: m[1], port: Number(m[2]) };
}
