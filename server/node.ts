/** One Remise node: opens its metadata and data, then serves the S3 and admin front ends. */
import { UsageHistory, type UsageSample } from "./util/usage_history.ts";
import { allLocalBucketStats } from "./model/buckets/bucket_stats.ts";
import { join } from "node:path";
import { fallback } from "./admin/console.ts";
import { createAdminHandler } from "./admin/router.ts";
import { Model } from "./model/model.ts";
import { convertPageSize, createDatabase } from "./model/snapshots/page_size.ts";
import { System } from "./rpc/system.ts";
import { createS3Handler } from "./s3/router.ts";
import { HttpGate } from "./net/http_gate.ts";
import { createWebHandler } from "./web/router.ts";
import { type Config, metadataDbPath, metadataTreesPath, parseBindAddr } from "./util/config.ts";
import { openTrees } from "./table/merkle_db.ts";
import { retryingStale } from "./util/kv_stale.ts";
import { randomHex } from "./util/ids.ts";
import { createPrivately, privateDir } from "./util/private_dir.ts";
import { log } from "./util/log.ts";
import { Metrics } from "./util/metrics.ts";

export interface Endpoints {
  s3: string;
  admin?: string;
  web?: string;
}

/** The admin token: configured, or generated once and kept in metadata_dir. */
export function adminTokenOf(config: Config): { token: string; generated: boolean } {
  if (config.admin.adminToken) return { token: config.admin.adminToken, generated: false };
  const path = join(config.metadataDir, "admin_token");
  try {
    return { token: Deno.readTextFileSync(path).trim(), generated: false };
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const token = randomHex(32);
  Deno.mkdirSync(config.metadataDir, { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(path, token + "\n", { mode: 0o600 });
  return { token, generated: true };
}

function httpUrl(addr: Deno.NetAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${addr.port}`;
}

/** One sample of the node's counters and of the bucket counts it holds (see UsageHistory). */
async function sampleUsage(kv: Deno.Kv, metrics: Metrics, usage: UsageHistory): Promise<void> {
  const buckets: UsageSample["buckets"] = {};
  for (const [id, s] of await allLocalBucketStats(kv)) buckets[id] = s;
  usage.add({
    at: Date.now(),
    requests: metrics.total("s3_request_total"),
    errors: metrics.total("s3_error_total"),
    bytesIn: metrics.total("s3_bytes_in_total"),
    bytesOut: metrics.total("s3_bytes_out_total"),
    buckets,
    bucketRequests: Object.fromEntries(
      [...metrics.perBucket].map(([id, c]) => [id, { ...c }]),
    ),
  });
}

/** The node's database, read once to know it is one; a broken one is refused saying what to do. */
async function openDatabase(config: Config): Promise<Deno.Kv> {
  const path = metadataDbPath(config);
  // A database that cannot be rewritten (no room for the copy, say) is used as it is.
  await convertPageSize(path).catch((e) =>
    log.warn("the metadata database keeps its pages", { path, error: e })
  );
  await createDatabase(path);
  let kv: Deno.Kv | undefined;
  try {
    kv = await Deno.openKv(path);
    await kv.get(["node"]);
    return retryingStale(kv);
  } catch (e) {
    kv?.close();
    throw new Error(
      `the metadata database ${path} cannot be read (${
        (e as Error).message
      }): put a snapshot back with \`meta restore\`, or move metadata_dir aside to rebuild this node from its peers (docs/operations.md)`,
    );
  }
}

export class RemiseNode {
  readonly #servers: HttpGate[] = [];
  #sampler?: ReturnType<typeof setInterval>;

  private constructor(
    readonly config: Config,
    readonly kv: Deno.Kv,
    readonly sys: System,
    readonly model: Model,
    readonly metrics: Metrics,
    readonly adminToken: string,
    readonly endpoints: Endpoints,
  ) {}

  static async start(config: Config): Promise<RemiseNode> {
    createPrivately();
    await privateDir(config.metadataDir, "metadata_dir");
    await privateDir(config.dataDir, "data_dir");
    const kv = await openDatabase(config);
    const trees = await openTrees(metadataTreesPath(config), kv);
    const sys = await System.open(config, kv);
    const model = new Model(sys, { blockGraceMs: config.blockGcDelayMs, trees });
    await model.start();
    await sys.startNetwork();
    const metrics = new Metrics();
    const usage = new UsageHistory(config.usageSampleMs);
    const { token } = adminTokenOf(config);
    const servers: HttpGate[] = [];
    const serve = async (
      name: string,
      bind: string,
      handler: Deno.ServeHandler,
    ): Promise<string> => {
      const gate = await HttpGate.start(
        name,
        parseBindAddr(bind),
        config.http,
        handler,
        config.metadataDir,
      );
      servers.push(gate);
      return httpUrl(gate.addr);
    };
    const s3 = await serve(
      "s3",
      config.s3Api.apiBindAddr,
      createS3Handler({ sys, model, metrics }),
    );
    const admin = config.admin.apiBindAddr
      ? await serve(
        "admin",
        config.admin.apiBindAddr,
        createAdminHandler({
          sys,
          model,
          metrics,
          adminToken: token,
          metricsToken: config.admin.metricsToken,
          s3Url: s3,
          usage,
          fallback,
        }),
      )
      : undefined;
    const web = config.s3Web
      ? await serve(
        "web",
        config.s3Web.bindAddr,
        createWebHandler({ sys, model, metrics }, {
          rootDomain: config.s3Web.rootDomain,
          defaultIndex: config.s3Web.index,
        }),
      )
      : undefined;
    const node = new RemiseNode(config, kv, sys, model, metrics, token, { s3, admin, web });
    node.#servers.push(...servers);
    node.#sampler = setInterval(() => {
      sampleUsage(kv, metrics, usage).catch((e) => log.warn("usage not sampled", { error: e }));
    }, config.usageSampleMs);
    log.info("node started", { id: sys.id.slice(0, 16), s3, admin, web, rpc: sys.peers.addr });
    return node;
  }

  async stop(): Promise<void> {
    clearInterval(this.#sampler);
    await Promise.all(this.#servers.map((s) => s.shutdown()));
    await this.sys.stop();
    await this.model.stop();
    this.model.trees.close();
    this.kv.close();
  }
}
