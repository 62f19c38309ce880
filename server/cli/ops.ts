/** `worker list`, `repair`, `block list-errors`, `block retry-now` and `stats`. */
import type {
  AdminEndpoint,
  GetClusterStatisticsResponse,
  GetNodeStatisticsResponse,
  LaunchRepairOperationResponse,
  ListBlockErrorsResponse,
  ListWorkersResponse,
  MultiResponse,
  RepairType,
  RetryBlockResyncResponse,
  ScrubCommand,
} from "../../shared/admin.ts";
import type { CliContext, Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { short, table } from "./format.ts";

export const NODE_OPTION = { node: { type: "string" as const, short: "n" } };

/** Prints a per-node answer's errors and fails if no node answered. */
export function successes<T>(r: MultiResponse<T>): Array<[string, T]> {
  for (const [id, e] of Object.entries(r.error)) console.error(`node ${short(id)}: ${e}`);
  const ok = Object.entries(r.success);
  if (ok.length === 0) throw new CliError("no node answered");
  return ok;
}

const node = (values: Record<string, unknown>) => ({ node: (values.node as string) ?? "self" });

const REPAIRS: Record<string, RepairType> = {
  tables: "tables",
  blocks: "blocks",
  rebalance: "rebalance",
  versions: "versions",
  "block-refs": "blockRefs",
  lifecycle: "lifecycle",
};

function repairOf(positionals: string[]): RepairType {
  const [what, cmd] = positionals;
  if (what === "scrub") {
    if (!["start", "pause", "resume", "cancel"].includes(cmd)) {
      throw new CliError("usage: repair scrub start|pause|resume|cancel");
    }
    return { scrub: cmd as ScrubCommand };
  }
  const t = REPAIRS[what];
  if (!t || cmd !== undefined) {
    throw new CliError(
      `unknown repair "${positionals.join(" ")}": use one of ${
        Object.keys(REPAIRS).join(", ")
      }, or scrub start|pause|resume|cancel`,
    );
  }
  return t;
}

export async function perNode<T>(
  ctx: CliContext,
  name: AdminEndpoint,
  values: Record<string, unknown>,
  body?: unknown,
) {
  return successes(
    await ctx.api.call<MultiResponse<T>>(name, { query: node(values), body }),
  );
}

export const opsCommands: Command[] = [
  {
    path: ["worker", "list"],
    args: "[-n NODE]",
    summary: "List background workers (resync, scrub, table sync, repairs) and their progress",
    options: NODE_OPTION,
    positionals: [0, 0],
    async run(ctx, { values }) {
      for (
        const [id, ws] of await perNode<ListWorkersResponse["success"][string]>(
          ctx,
          "ListWorkers",
          values,
          {},
        )
      ) {
        ctx.print(`==== node ${short(id)} ====`);
        const rows = ["TID\tState\tName\tQueue\tErrors\tProgress"];
        for (const w of ws) {
          rows.push(
            `${w.id}\t${w.state}\t${w.name}\t${w.queueLength ?? "-"}\t${w.errors}\t${
              w.progress ?? w.freeform.join("; ")
            }`,
          );
        }
        ctx.print(table(rows));
      }
    },
  },
  {
    path: ["repair"],
    args: "[-n NODE] tables|blocks|rebalance|versions|block-refs|scrub <start|pause|resume|cancel>",
    summary: "Launch a repair on a node (or all with -n '*'); follow it with `worker list`",
    options: NODE_OPTION,
    positionals: [1, 2],
    async run(ctx, { values, positionals }) {
      const repairType = repairOf(positionals);
      for (
        const [id] of await perNode<LaunchRepairOperationResponse["success"][string]>(
          ctx,
          "LaunchRepairOperation",
          values,
          { repairType },
        )
      ) ctx.print(`Repair launched on node ${short(id)}`);
    },
  },
  {
    path: ["block", "list-errors"],
    args: "[-n NODE]",
    summary: "List blocks that could not be fetched or handed over, and when they are retried",
    options: NODE_OPTION,
    positionals: [0, 0],
    async run(ctx, { values }) {
      for (
        const [id, errors] of await perNode<ListBlockErrorsResponse["success"][string]>(
          ctx,
          "ListBlockErrors",
          values,
        )
      ) {
        ctx.print(`==== node ${short(id)} ====`);
        const rows = ["Hash\tRC\tErrors\tLast try\tNext try\tReason"];
        for (const e of errors) {
          rows.push(
            `${e.blockHash}\t${e.refcount}\t${e.errorCount}\t${e.lastTrySecsAgo}s ago\tin ${e.nextTryInSecs}s\t${e.message}`,
          );
        }
        ctx.print(errors.length ? table(rows) : "No block errors.");
      }
    },
  },
  {
    path: ["block", "retry-now"],
    args: "[-n NODE] --all | <hash>...",
    summary: "Retry block resync now",
    options: { ...NODE_OPTION, all: { type: "boolean" } },
    positionals: [0, Infinity],
    async run(ctx, { values, positionals }) {
      if (!values.all && positionals.length === 0) {
        throw new CliError("give --all or the hashes of the blocks to retry");
      }
      const body = values.all ? { all: true } : { blockHashes: positionals };
      for (
        const [id, r] of await perNode<RetryBlockResyncResponse["success"][string]>(
          ctx,
          "RetryBlockResync",
          values,
          body,
        )
      ) ctx.print(`node ${short(id)}: ${r.count} block(s) queued for resync`);
    },
  },
  {
    path: ["stats"],
    args: "[-n NODE]",
    summary: "Show statistics of a node (or all with -n '*') and of the cluster",
    options: NODE_OPTION,
    positionals: [0, 0],
    async run(ctx, { values }) {
      for (
        const [id, s] of await perNode<GetNodeStatisticsResponse["success"][string]>(
          ctx,
          "GetNodeStatistics",
          values,
        )
      ) {
        ctx.print(`==== node ${short(id)} ====`);
        ctx.print(s.freeform);
        ctx.print();
      }
      const c = await ctx.api.call<GetClusterStatisticsResponse>("GetClusterStatistics");
      ctx.print("==== cluster ====");
      ctx.print(c.freeform);
    },
  },
];
