/** `status` and `node id`. */
import type {
  ConnectClusterNodesResponse,
  GetClusterHealthResponse,
  GetClusterLayoutResponse,
  GetClusterStatusResponse,
  GetNodeInfoResponse,
} from "../../shared/admin.ts";
import type { Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { bytes, capacityString, short, table } from "./format.ts";
import { stagedText } from "./layout.ts";

export const statusCommands: Command[] = [
  {
    path: ["status"],
    args: "",
    summary: "Show the nodes of the cluster and their roles",
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const [status, layout, health] = await Promise.all([
        ctx.api.call<GetClusterStatusResponse>("GetClusterStatus"),
        ctx.api.call<GetClusterLayoutResponse>("GetClusterLayout"),
        ctx.api.call<GetClusterHealthResponse>("GetClusterHealth"),
      ]);
      ctx.print("==== HEALTHY NODES ====");
      const up = ["ID\tHostname\tAddress\tTags\tZone\tCapacity\tDataAvail\tVersion"];
      for (const n of status.nodes.filter((x) => x.isUp)) {
        const host = n.hostname ?? "?";
        const addr = n.addr ?? "N/A";
        if (n.role) {
          const d = n.dataPartition;
          const avail = n.role.capacity === null
            ? "N/A"
            : d
            ? `${bytes(d.available)} (${(100 * d.available / d.total).toFixed(1)}%)`
            : "?";
          up.push(
            `${short(n.id)}\t${host}\t${addr}\t[${n.role.tags.join(",")}]\t${n.role.zone}\t${
              capacityString(n.role.capacity)
            }\t${avail}\t${n.garageVersion ?? ""}`,
          );
        } else {
          const pending = layout.stagedRoleChanges.some((c) => c.id === n.id && !("remove" in c));
          up.push(
            `${short(n.id)}\t${host}\t${addr}\t\t\t${
              pending ? "pending..." : "NO ROLE ASSIGNED"
            }\t\t${n.garageVersion ?? ""}`,
          );
        }
      }
      ctx.print(table(up));
      const down = status.nodes.filter((x) => !x.isUp && x.role);
      if (down.length) {
        ctx.print();
        ctx.print("==== FAILED NODES ====");
        const rows = ["ID\tHostname\tTags\tZone\tCapacity\tLast seen"];
        for (const n of down) {
          rows.push(
            `${short(n.id)}\t${n.hostname ?? "?"}\t[${n.role!.tags.join(",")}]\t${n.role!.zone}\t${
              capacityString(n.role!.capacity)
            }\t${n.lastSeenSecsAgo === null ? "never seen" : `${n.lastSeenSecsAgo}s ago`}`,
          );
        }
        ctx.print(table(rows));
      }
      const staged = stagedText(layout);
      if (staged) {
        ctx.print();
        ctx.print(staged);
        ctx.print();
        ctx.print(
          `Please use \`${ctx.prefix} layout show\` to check the proposed new layout and apply it.`,
        );
      }
      ctx.print();
      ctx.print(
        `Cluster health: ${health.status} (${health.partitionsQuorum}/${health.partitions} partitions with quorum, layout version ${status.layoutVersion})`,
      );
      if (status.layoutVersion === 0) {
        const self = status.nodes.find((n) => n.isUp);
        ctx.print(
          `No node has a role yet: ${ctx.prefix} layout assign ${
            self ? short(self.id) : "<node-id>"
          } -z <zone> -c <capacity>, then ${ctx.prefix} layout apply --version 1`,
        );
      }
    },
  },
  {
    path: ["node", "id"],
    args: "[-q]",
    summary: "Print this node's id and RPC address (<id>@<addr>)",
    options: { quiet: { type: "boolean", short: "q" } },
    positionals: [0, 0],
    async run(ctx, { values }) {
      const info = await ctx.api.call<GetNodeInfoResponse>("GetNodeInfo", {
        query: { node: "self" },
      });
      const [id] = Object.keys(info.success);
      if (!id) throw new CliError(`the node did not report its id: ${JSON.stringify(info.error)}`);
      const status = await ctx.api.call<GetClusterStatusResponse>("GetClusterStatus");
      // The address the node actually listens on (rpc_bind_addr may name port 0).
      const addr = status.nodes.find((n) => n.id === id)?.addr ?? ctx.config.rpcBindAddr;
      const idstr = `${id}@${addr}`;
      ctx.print(idstr);
      if (values.quiet) return;
      const err = (s = "") => console.error(s);
      if (!ctx.config.rpcPublicAddr) {
        err("WARNING: rpc_public_addr is not set: the address above is rpc_bind_addr; replace it");
        err("with an address other nodes can reach.");
      }
      err();
      err(
        "This node identifier can be added as a bootstrap node in other nodes' configuration files:",
      );
      err("    bootstrap_peers = [");
      err(`        "${idstr}",`);
      err("        ...");
      err("    ]");
    },
  },
  {
    path: ["node", "connect"],
    args: "<id@host:port>...",
    summary: "Connect this node to other nodes (as printed by `node id` on them)",
    options: {},
    positionals: [1, Infinity],
    async run(ctx, { positionals }) {
      const results = await ctx.api.call<ConnectClusterNodesResponse>("ConnectClusterNodes", {
        body: positionals,
      });
      const failed = results.flatMap((r, i) =>
        r.success ? [] : [`${positionals[i]}: ${r.error ?? "failed"}`]
      );
      for (const [i, r] of results.entries()) {
        if (r.success) ctx.print(`Connected to ${positionals[i]}`);
      }
      if (failed.length) throw new CliError(`could not connect:\n  ${failed.join("\n  ")}`);
    },
  },
];
