/** What an operator command receives, and the command table entry type. */
import { basename } from "node:path";
import type { Config } from "../util/config.ts";
import type { CommandSpec, ParsedCommand } from "./args.ts";
import type { AdminClient } from "./client.ts";

export interface CliContext {
  config: Config;
  /** The config path as given on the command line, to repeat it in suggested commands. */
  configPath: string;
  api: AdminClient;
  /** The command prefix to suggest, e.g. `deno task cli -c config.dev.toml`. */
  prefix: string;
  print(text?: string): void;
}

export interface Command extends CommandSpec {
  run(ctx: CliContext, args: ParsedCommand): Promise<void>;
}

/**
 * How the operator invokes this program: `deno task cli -c X`, `npx -y deno@<version> task cli
 * -c X` when Deno itself was started by npx (as the README's commands do), or `<binary> -c X`
 * once compiled.
 */
export function commandPrefix(
  configPath: string,
  env: { get(name: string): string | undefined } = Deno.env,
): string {
  const exe = basename(Deno.execPath());
  if (exe !== "deno" && exe !== "deno.exe") return `${exe} -c ${configPath}`;
  const viaNpx = env.get("npm_lifecycle_event") === "npx";
  return `${viaNpx ? `npx -y deno@${Deno.version.deno} ` : "deno "}task cli -c ${configPath}`;
}
