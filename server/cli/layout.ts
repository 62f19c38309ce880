/** `layout show|assign|remove|config|apply|revert`. */
import type {
  ApplyClusterLayoutResponse,
  GetClusterLayoutHistoryResponse,
  GetClusterLayoutResponse,
  GetClusterStatusResponse,
  NodeAssignedRole,
  NodeRoleChange,
  PreviewClusterLayoutChangesResponse,
  ZoneRedundancy,
} from "../../shared/admin.ts";
import type { CliContext, Command } from "./context.ts";
import { CliError } from "./errors.ts";
import { bytes, capacityString, parseCapacity, short, table } from "./format.ts";

export function zrText(z: ZoneRedundancy): string {
  return z === "maximum" ? "maximum" : String(z.atLeast);
}

export function parseZoneRedundancy(s: string): ZoneRedundancy {
  if (s === "none" || s === "max" || s === "maximum") return "maximum";
  if (!/^\d+$/.test(s)) throw new CliError("zone redundancy must be 'none'/'max' or an integer");
  return { atLeast: Number(s) };
}

export function layoutText(layout: GetClusterLayoutResponse, emptyMessage: string): string {
  const rows = ["ID\tTags\tZone\tCapacity\tUsable capacity"];
  for (const r of layout.roles) {
    const tags = `[${r.tags.join(",")}]`;
    if (r.capacity !== null && r.usableCapacity !== null) {
      const pct = r.capacity > 0 ? (100 * r.usableCapacity / r.capacity).toFixed(1) : "0.0";
      rows.push(
        `${short(r.id)}\t${tags}\t${r.zone}\t${capacityString(r.capacity)}\t${
          bytes(r.usableCapacity)
        } (${pct}%)`,
      );
    } else rows.push(`${short(r.id)}\t${tags}\t${r.zone}\t${capacityString(r.capacity)}`);
  }
  if (rows.length === 1) return emptyMessage;
  return `${table(rows)}\n\nZone redundancy: ${zrText(layout.parameters.zoneRedundancy)}`;
}

/** The staged changes as text, or "" when nothing is staged. */
export function stagedText(layout: GetClusterLayoutResponse): string {
  const out: string[] = [];
  if (layout.stagedRoleChanges.length === 0 && !layout.stagedParameters) return "";
  out.push("==== STAGED ROLE CHANGES ====");
  if (layout.stagedRoleChanges.length) {
    const rows = ["ID\tTags\tZone\tCapacity"];
    for (const c of layout.stagedRoleChanges) {
      if ("remove" in c) rows.push(`${short(c.id)}\tREMOVED`);
      else {rows.push(
          `${short(c.id)}\t[${c.tags.join(",")}]\t${c.zone}\t${capacityString(c.capacity)}`,
        );}
    }
    out.push(table(rows), "");
  }
  if (layout.stagedParameters) {
    out.push(`Zone redundancy: ${zrText(layout.stagedParameters.zoneRedundancy)}`);
  }
  return out.join("\n").trimEnd();
}

/** The one node id that `pattern` begins, among known nodes and layout roles. */
export function matchNode(
  status: GetClusterStatusResponse,
  layout: GetClusterLayoutResponse,
  pattern: string,
): string {
  const ids = new Set([
    ...status.nodes.map((n) => n.id),
    ...layout.roles.map((r) => r.id),
    ...layout.stagedRoleChanges.map((r) => r.id),
  ]);
  const found = [...ids].filter((id) => id.startsWith(pattern.toLowerCase()));
  if (found.length !== 1) throw new CliError(`${found.length} nodes match '${pattern}'`);
  return found[0];
}

function stagedOrCurrent(id: string, layout: GetClusterLayoutResponse): NodeAssignedRole | null {
  const staged = layout.stagedRoleChanges.find((c) => c.id === id);
  if (staged) return "remove" in staged ? null : staged;
  const r = layout.roles.find((x) => x.id === id);
  return r ? { zone: r.zone, capacity: r.capacity, tags: r.tags } : null;
}

function stagedFooter(ctx: CliContext): string {
  return [
    "Role changes are staged but not yet committed.",
    `Use \`${ctx.prefix} layout show\` to view staged role changes,`,
    `and \`${ctx.prefix} layout apply\` to enact staged changes.`,
  ].join("\n");
}

export const layoutCommands: Command[] = [
  {
    path: ["layout", "show"],
    args: "",
    summary: "Show the cluster layout and the staged changes",
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const layout = await ctx.api.call<GetClusterLayoutResponse>("GetClusterLayout");
      ctx.print("==== CURRENT CLUSTER LAYOUT ====");
      ctx.print(layoutText(
        layout,
        `No nodes currently have a role in the cluster.\nSee \`${ctx.prefix} status\` to view available nodes.`,
      ));
      ctx.print();
      ctx.print(`Current cluster layout version: ${layout.version}`);
      const staged = stagedText(layout);
      if (!staged) return;
      ctx.print();
      ctx.print(staged);
      const preview = await ctx.api.call<PreviewClusterLayoutChangesResponse>(
        "PreviewClusterLayoutChanges",
      );
      if ("error" in preview) {
        ctx.print(`Error while trying to compute the assignment: ${preview.error}`);
        ctx.print("This new layout cannot yet be applied.");
        ctx.print(`You can also revert all proposed changes with: ${ctx.prefix} layout revert`);
        return;
      }
      ctx.print();
      ctx.print("==== NEW CLUSTER LAYOUT AFTER APPLYING CHANGES ====");
      ctx.print(layoutText(preview.newLayout, "No nodes have a role in the new layout."));
      ctx.print();
      for (const line of preview.message) ctx.print(line);
      ctx.print("To enact the staged role changes, type:");
      ctx.print();
      ctx.print(`    ${ctx.prefix} layout apply --version ${preview.newLayout.version}`);
      ctx.print();
      ctx.print(`You can also revert all proposed changes with: ${ctx.prefix} layout revert`);
    },
  },
  {
    path: ["layout", "assign"],
    args: "<NODE_ID>... [-z ZONE] [-c CAPACITY | -g] [-t TAG]...",
    summary: "Stage a role (zone, capacity, tags) for nodes, by node id prefix",
    options: {
      zone: { type: "string", short: "z" },
      capacity: { type: "string", short: "c" },
      gateway: { type: "boolean", short: "g" },
      tag: { type: "string", short: "t", multiple: true },
    },
    positionals: [1, 100],
    async run(ctx, { values, positionals }) {
      const status = await ctx.api.call<GetClusterStatusResponse>("GetClusterStatus");
      const layout = await ctx.api.call<GetClusterLayoutResponse>("GetClusterLayout");
      const roles: NodeRoleChange[] = [];
      const cap = values.capacity as string | undefined;
      if (values.gateway && cap !== undefined) throw new CliError("Please specify only -c or -g");
      const tags = ((values.tag as string[] | undefined) ?? []).flatMap((t) => t.split(","))
        .filter((t) => t !== "");
      for (const pattern of positionals) {
        const id = matchNode(status, layout, pattern);
        const current = stagedOrCurrent(id, layout);
        const zone = (values.zone as string | undefined) ?? current?.zone;
        if (!zone) throw new CliError("Please specify a zone with the -z flag");
        let capacity: number | null;
        if (values.gateway) capacity = null;
        else if (cap !== undefined) capacity = parseCapacity(cap);
        else if (current) capacity = current.capacity;
        else {
          throw new CliError(
            "Please specify a capacity with the -c flag, or set node explicitly as gateway with -g",
          );
        }
        roles.push({ id, zone, capacity, tags: tags.length ? tags : current?.tags ?? [] });
      }
      await ctx.api.call("UpdateClusterLayout", { body: { roles } });
      ctx.print(stagedFooter(ctx));
    },
  },
  {
    path: ["layout", "remove"],
    args: "<NODE_ID>",
    summary: "Stage the removal of a node's role",
    options: {},
    positionals: [1, 1],
    async run(ctx, { positionals }) {
      const status = await ctx.api.call<GetClusterStatusResponse>("GetClusterStatus");
      const layout = await ctx.api.call<GetClusterLayoutResponse>("GetClusterLayout");
      const id = matchNode(status, layout, positionals[0]);
      await ctx.api.call("UpdateClusterLayout", { body: { roles: [{ id, remove: true }] } });
      ctx.print(stagedFooter(ctx).replace("Role changes are", "Role removal is"));
    },
  },
  {
    path: ["layout", "config"],
    args: "-r <ZONE_REDUNDANCY>",
    summary: "Stage layout parameters (zone redundancy: maximum or a number)",
    options: { redundancy: { type: "string", short: "r" } },
    positionals: [0, 0],
    async run(ctx, { values }) {
      const r = values.redundancy as string | undefined;
      if (r === undefined) throw new CliError("Please specify an action for `layout config` (-r)");
      const zoneRedundancy = parseZoneRedundancy(r);
      await ctx.api.call("UpdateClusterLayout", { body: { parameters: { zoneRedundancy } } });
      ctx.print(`The zone redundancy parameter has been set to '${zrText(zoneRedundancy)}'.`);
    },
  },
  {
    path: ["layout", "apply"],
    args: "--version <N>",
    summary: "Apply the staged changes as layout version N",
    options: { version: { type: "string" } },
    positionals: [0, 0],
    async run(ctx, { values }) {
      const v = values.version as string | undefined;
      if (v === undefined || !/^\d+$/.test(v)) {
        throw new CliError(
          `Please pass the new layout version number to ensure that you are writing the correct version of the cluster layout.\nTo know the correct value of the new layout version, invoke \`${ctx.prefix} layout show\` and review the proposed changes.`,
        );
      }
      const res = await ctx.api.call<ApplyClusterLayoutResponse>("ApplyClusterLayout", {
        body: { version: Number(v) },
      });
      for (const line of res.message) ctx.print(line);
      ctx.print("New cluster layout with updated role assignment has been applied in cluster.");
      ctx.print("Data will now be moved around between nodes accordingly.");
    },
  },
  {
    path: ["layout", "revert"],
    args: "[--yes]",
    summary: "Discard the staged changes",
    options: { yes: { type: "boolean" } },
    positionals: [0, 0],
    async run(ctx) {
      await ctx.api.call("RevertClusterLayout");
      ctx.print("All proposed role changes in cluster layout have been canceled.");
    },
  },
  {
    path: ["layout", "history"],
    args: "",
    summary: "Show the live layout versions and how far each node has synced",
    options: {},
    positionals: [0, 0],
    async run(ctx) {
      const h = await ctx.api.call<GetClusterLayoutHistoryResponse>("GetClusterLayoutHistory");
      ctx.print("==== LAYOUT HISTORY ====");
      const rows = ["Version\tStatus\tStorage nodes\tGateway nodes"];
      for (const v of h.versions) {
        rows.push(`#${v.version}\t${v.status}\t${v.storageNodes}\t${v.gatewayNodes}`);
      }
      ctx.print(table(rows));
      ctx.print();
      ctx.print(`Reads use version ${h.readVersion}; data goes to version ${h.currentVersion}.`);
      const trackers = Object.entries(h.syncTrackers);
      if (trackers.length) {
        ctx.print();
        ctx.print("==== SYNC PROGRESS ====");
        ctx.print(
          table(["Node\tSynced up to", ...trackers.map(([id, v]) => `${short(id)}\t#${v}`)]),
        );
      }
      if (h.versions.length > 1) {
        ctx.print();
        ctx.print(
          "Data is still moving to the newest version; the older ones are dropped once every storage node has synced.",
        );
      }
    },
  },
];
