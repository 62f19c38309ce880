/** The table of operator commands and the help text. */
import { type CommandSpec, usageOf } from "./args.ts";
import { bucketCommands } from "./bucket.ts";
import type { Command } from "./context.ts";
import { keyCommands } from "./key.ts";
import { layoutCommands } from "./layout.ts";
import { metaCommands } from "./meta.ts";
import { blockCommands } from "./blocks.ts";
import { opsCommands } from "./ops.ts";
import { statusCommands } from "./status.ts";

/** `server` runs the node; it is dispatched apart, but listed and parsed like the others. */
export const SERVER_COMMAND: CommandSpec = {
  path: ["server"],
  args: "",
  summary: "Run a Remise node",
  options: {},
  positionals: [0, 0],
};

export const COMMANDS: Command[] = [
  ...statusCommands,
  ...layoutCommands,
  ...keyCommands,
  ...bucketCommands,
  ...opsCommands,
  ...metaCommands,
  ...blockCommands,
];

export function helpText(prefix?: string[]): string {
  const all: CommandSpec[] = [SERVER_COMMAND, ...COMMANDS];
  const shown = prefix?.length ? all.filter((c) => prefix.every((w, i) => c.path[i] === w)) : all;
  const rows = (shown.length ? shown : all).map((c) => [usageOf(c), c.summary]);
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    "Remise: an S3-compatible geo-distributed object store",
    "",
    "usage: remise [-c CONFIG] <command> [options]",
    "  -c, --config PATH  configuration file (default: $REMISE_CONFIG_FILE or /etc/remise.toml)",
    "",
    "commands:",
    ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
  ].join("\n");
}
