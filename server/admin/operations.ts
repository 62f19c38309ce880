/**
 * Per-node operations: node info and statistics, background workers and their variables,
 * metadata snapshots, repairs and block errors (GetNodeInfo, GetNodeStatistics, ListWorkers,
 * GetWorkerInfo, Get/SetWorkerVariable, CreateMetadataSnapshot, LaunchRepairOperation,
 * ListBlockErrors, RetryBlockResync), and the cluster-wide GetClusterStatistics.
 */
import type {
  BlockErrorResp,
  GetClusterStatisticsResponse,
  LocalGetNodeStatisticsResponse,
  LocalGetNodeUsageResponse,
  LocalGetWorkerInfoRequest,
  LocalGetWorkerVariableRequest,
  LocalListWorkersRequest,
  LocalRetryBlockResyncRequest,
  LocalSetWorkerVariableRequest,
  RepairType,
  ScrubCommand,
  WorkerInfoResp,
} from "../../shared/admin.ts";
import { blockRefsRepair, orphanVersionsRepair, versionsRepair } from "../model/workers/repair.ts";
import { PARTITIONS } from "../rpc/layout.ts";
import { formatSize } from "../util/size.ts";
import { clusterStatus, localNodeInfo } from "./cluster.ts";
import type { AdminDeps, EndpointDef } from "./context.ts";
import { badRequest } from "./errors.ts";
import { bodyFields } from "./validate.ts";
import { checkVariable } from "../model/workers/worker_vars.ts";
import { createSnapshot } from "../model/snapshots/snapshots.ts";
import { type LocalEndpoint, nodeEndpoints } from "./nodes.ts";

const REPAIRS = ["tables", "blocks", "rebalance", "versions", "blockRefs", "lifecycle"];
const SCRUB: ScrubCommand[] = ["start", "pause", "resume", "cancel"];

function repairType(body: unknown): RepairType {
  const t = (body as { repairType?: unknown } | null)?.repairType;
  if (typeof t === "string" && REPAIRS.includes(t)) return t as RepairType;
  const scrub = (t as { scrub?: unknown } | null)?.scrub;
  if (typeof scrub === "string" && SCRUB.includes(scrub as ScrubCommand)) {
    return { scrub } as RepairType;
  }
  throw badRequest(
    `repairType must be one of ${REPAIRS.map((r) => `"${r}"`).join(", ")} or {"scrub": ${
      SCRUB.map((c) => `"${c}"`).join("|")
    }}`,
  );
}

async function launchRepair({ model }: AdminDeps, t: RepairType): Promise<null> {
  if (typeof t === "object") {
    await model.scrub.command(t.scrub);
    model.workers.wake(model.scrub.name);
  } else if (t === "blocks" || t === "rebalance") {
    await model.blocks.recheckAll();
    model.workers.wake(model.blocks.resync.name);
  } else if (t === "versions") {
    model.workers.startOnce(versionsRepair(model));
    model.workers.startOnce(orphanVersionsRepair(model));
  } else if (t === "blockRefs") {
    model.workers.startOnce(blockRefsRepair(model));
  } else if (t === "tables") {
    model.syncTablesNow();
  } else if (t === "lifecycle") {
    model.lifecycle.runNow();
  }
  return null;
}

function workerInfo(deps: AdminDeps, req: LocalListWorkersRequest): WorkerInfoResp[] {
  const now = Date.now();
  return deps.model.workers.list()
    .filter((w) => !req.busyOnly || w.state === "busy")
    .filter((w) => !req.errorOnly || w.errors > 0)
    .map((w) => ({
      ...w,
      lastError: w.lastError
        ? { message: w.lastError.message, secsAgo: Math.floor((now - w.lastError.at) / 1000) }
        : null,
    }));
}

async function blockErrors({ model }: AdminDeps): Promise<BlockErrorResp[]> {
  const now = Date.now();
  return (await model.blocks.resync.errors()).map((e) => ({
    blockHash: e.hash,
    refcount: e.refcount,
    errorCount: e.errors,
    lastTrySecsAgo: Math.floor((now - e.lastTry) / 1000),
    nextTryInSecs: Math.max(0, Math.ceil((e.nextTry - now) / 1000)),
    message: e.message,
  }));
}

function retryRequest(body: unknown): LocalRetryBlockResyncRequest {
  const b = body as Record<string, unknown> | null;
  if (b?.all === true) return { all: true };
  if (Array.isArray(b?.blockHashes) && b.blockHashes.every((h) => /^[0-9a-f]{64}$/.test(h))) {
    return { blockHashes: b.blockHashes as string[] };
  }
  throw badRequest(
    'The body must be {"all": true} or {"blockHashes": ["<64 hex characters>", ...]}',
  );
}

async function nodeStatistics({ sys, model }: AdminDeps): Promise<LocalGetNodeStatisticsResponse> {
  const lines = [`Node ${sys.id.slice(0, 16)} (remise ${sys.info().version})`, ""];
  const layout = sys.layout.current;
  const held = layout.partitions.filter((p) => p.includes(sys.id)).length;
  lines.push(`Partitions held: ${held} of ${PARTITIONS} (layout version ${layout.version})`);
  lines.push(`Blocks stored: ${await model.blocks.countStored()}`);
  lines.push(`Block errors: ${(await model.blocks.resync.errors()).length}`);
  lines.push(`Pending table work: ${await model.queue.pending()}`);
  const { data, metadata } = sys.diskUsage();
  const disk = (d: typeof data) =>
    d ? `${formatSize(d.available)} free of ${formatSize(d.total)}` : "unknown";
  lines.push(`Data disk: ${disk(data)}`, `Metadata disk: ${disk(metadata)}`, "");
  const tables = await model.tableCounts();
  lines.push("Table          Entries  Tombstones awaiting GC");
  for (const t of tables) {
    lines.push(`${t.name.padEnd(13)} ${String(t.entries).padStart(8)}  ${t.gcTodo}`);
  }
  lines.push("");
  for (const w of model.workers.list()) {
    lines.push(`Worker ${w.name}: ${w.state}${w.progress ? `, ${w.progress}` : ""}`);
  }
  return { freeform: lines.join("\n"), tables };
}

function clusterStatistics({ sys }: AdminDeps): GetClusterStatisticsResponse {
  const status = clusterStatus(sys);
  const lines = ["Storage nodes:", "  ID                Zone      Capacity    Data free"];
  for (const n of status.nodes.filter((n) => n.role?.capacity)) {
    const free = n.dataPartition
      ? `${formatSize(n.dataPartition.available)} of ${formatSize(n.dataPartition.total)}`
      : "unknown";
    lines.push(
      `  ${n.id.slice(0, 16)}  ${n.role!.zone.padEnd(8)}  ${
        formatSize(n.role!.capacity!).padEnd(10)
      }  ${free}${n.isUp ? "" : " (down)"}`,
    );
  }
  const v = sys.layout.current;
  lines.push(
    "",
    `Usable capacity with ${v.replicationFactor} copies: ${
      formatSize(v.partitionSize * PARTITIONS)
    }`,
  );
  return { freeform: lines.join("\n") };
}

const local: Record<string, LocalEndpoint> = {
  GetNodeInfo: { run: (deps) => localNodeInfo(deps) },
  GetNodeStatistics: { run: nodeStatistics },
  ListWorkers: {
    body: (b) => ({
      busyOnly: (b as LocalListWorkersRequest | null)?.busyOnly === true,
      errorOnly: (b as LocalListWorkersRequest | null)?.errorOnly === true,
    }),
    run: (deps, req) => workerInfo(deps, req as LocalListWorkersRequest),
  },
  LaunchRepairOperation: {
    body: repairType,
    run: (deps, t) => launchRepair(deps, t as RepairType),
  },
  GetWorkerInfo: {
    body: (b) => ({ id: bodyFields(b, ["id"]).int("id", 1) }),
    run: (deps, req) => {
      const id = (req as LocalGetWorkerInfoRequest).id;
      const w = workerInfo(deps, { busyOnly: false, errorOnly: false }).find((w) => w.id === id);
      if (!w) throw new Error(`No worker ${id} on this node (ListWorkers lists them)`);
      return w;
    },
  },
  GetWorkerVariable: {
    body: (b) => {
      const variable = bodyFields(b, ["variable"], true).optStr("variable") ?? null;
      if (variable !== null) checkVariable(variable);
      return { variable };
    },
    run: ({ model }, req) =>
      model.workerVars.get((req as LocalGetWorkerVariableRequest).variable ?? undefined),
  },
  SetWorkerVariable: {
    body: (b) => {
      const f = bodyFields(b, ["variable", "value"]);
      const req = { variable: f.str("variable"), value: f.str("value") };
      checkVariable(req.variable, req.value);
      return req;
    },
    run: async ({ model }, req) => {
      const { variable, value } = req as LocalSetWorkerVariableRequest;
      return { variable, value: await model.workerVars.set(variable, value) };
    },
  },
  CreateMetadataSnapshot: { run: ({ sys }) => createSnapshot(sys.config) },
  GetNodeUsage: {
    run: ({ usage }): LocalGetNodeUsageResponse => ({
      intervalMs: usage?.intervalMs ?? 0,
      samples: usage?.samples() ?? [],
    }),
  },
  ListRecentErrors: { run: ({ metrics }) => metrics.recentErrors.list() },
  ListBlockErrors: { run: blockErrors },
  RetryBlockResync: {
    body: retryRequest,
    run: async ({ model }, req) => ({
      count: await model.blocks.resync.retry(
        "all" in (req as LocalRetryBlockResyncRequest)
          ? undefined
          : (req as { blockHashes: string[] }).blockHashes,
      ),
    }),
  },
};

const perNode = nodeEndpoints(local);

export const registerOperations = perNode.register;

export const operationEndpoints: Record<string, EndpointDef> = {
  ...perNode.endpoints,
  GetClusterStatistics: { query: [], run: ({ deps }) => clusterStatistics(deps) },
};
