/**
 * The `remise` command line, with Garage's verbs: `server` runs a node; the operator commands
 * (`status`, `node id`, `layout …`, `key …`, `bucket …`) call the admin API of the node that
 * the same configuration file describes.
 */
import { findCommand, parseCommand, parseGlobal } from "./cli/args.ts";
import { AdminClient } from "./cli/client.ts";
import { COMMANDS, helpText, SERVER_COMMAND } from "./cli/commands.ts";
import { commandPrefix } from "./cli/context.ts";
import { CliError } from "./cli/errors.ts";
import { runServer } from "./cli/server.ts";
import { ConfigError, loadConfig } from "./util/config.ts";

/** Runs one command; returns the exit status, or undefined while a server keeps running. */
export async function main(argv: string[]): Promise<number | undefined> {
  try {
    const global = parseGlobal(argv, Deno.env.toObject());
    if (global.help || global.rest.length === 0 || global.rest[0] === "help") {
      const topic = global.rest[0] === "help" ? global.rest.slice(1) : global.rest;
      console.log(helpText(topic));
      return global.rest.length === 0 && !global.help ? 1 : 0;
    }
    if (global.rest[0] === "server") {
      const { config: late } = parseCommand(SERVER_COMMAND, global.rest.slice(1));
      const path = late ?? global.config;
      await runServer(loadConfig(path), path);
      return undefined;
    }
    const found = findCommand(COMMANDS, global.rest);
    if (!found) {
      throw new CliError(
        `unknown command "${global.rest.join(" ")}"\n\n${helpText(global.rest.slice(0, 1))}`,
      );
    }
    const args = parseCommand(found.spec, found.argv);
    const configPath = args.config ?? global.config;
    const config = loadConfig(configPath);
    const prefix = commandPrefix(configPath);
    const api = AdminClient.fromConfig(config, `${prefix} server`);
    await found.spec.run(
      { config, configPath, api, prefix, print: (t = "") => console.log(t) },
      args,
    );
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CliError) {
      console.error(e instanceof CliError ? `Error: ${e.message}` : e.message);
      return 1;
    }
    console.error(`Error: ${(e as Error)?.message ?? e}`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code !== undefined) Deno.exit(code);
}
