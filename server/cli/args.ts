/**
 * Command-line parsing: global options (`-c CONFIG`) before the verb, then each command's own
 * options and positional arguments. Pure functions, so they are unit-tested directly.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { CliError } from "./errors.ts";

export const DEFAULT_CONFIG = "/etc/remise.toml";

export interface GlobalArgs {
  config: string;
  help: boolean;
  /** The verb and everything after it. */
  rest: string[];
}

/** Reads `-c/--config` and `-h/--help` up to the first word that is not an option. */
export function parseGlobal(argv: string[], env: Record<string, string | undefined>): GlobalArgs {
  let config = env.REMISE_CONFIG_FILE || DEFAULT_CONFIG;
  let help = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-c" || a === "--config") {
      if (i + 1 >= argv.length) throw new CliError(`${a} needs a path: ${a} /etc/remise.toml`);
      config = argv[++i];
    } else if (a.startsWith("--config=")) {
      config = a.slice("--config=".length);
    } else if (a === "-h" || a === "--help") {
      help = true;
    } else if (a.startsWith("-")) {
      throw new CliError(
        `Unknown option ${a}; the global options are -c/--config PATH and -h/--help`,
      );
    } else break;
  }
  return { config, help, rest: argv.slice(i) };
}

export interface CommandSpec {
  /** The words naming the command, e.g. ["key", "create"]. */
  path: string[];
  /** Argument synopsis after the command words, e.g. "<KEY> [--show-secret]". */
  args: string;
  summary: string;
  options: ParseArgsOptionsConfig;
  /** Minimum and maximum number of positional arguments. */
  positionals: [number, number];
}

export interface ParsedCommand {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** `-c/--config` given after the verb (for commands where -c means nothing else). */
  config?: string;
}

export function usageOf(spec: CommandSpec): string {
  return `${spec.path.join(" ")}${spec.args ? " " + spec.args : ""}`;
}

/** Finds the command named by the first words of `rest`; returns it with the remaining words. */
export function findCommand<S extends CommandSpec>(
  commands: S[],
  rest: string[],
): { spec: S; argv: string[] } | undefined {
  let best: { spec: S; argv: string[] } | undefined;
  for (const spec of commands) {
    const n = spec.path.length;
    if (rest.length >= n && spec.path.every((w, i) => rest[i] === w)) {
      if (!best || n > best.spec.path.length) best = { spec, argv: rest.slice(n) };
    }
  }
  return best;
}

/** Parses a command's arguments; errors name the command and show its usage. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand {
  const usage = `usage: ${usageOf(spec)}`;
  const name = spec.path.join(" ");
  let config: string | undefined;
  const args: string[] = [];
  const cIsOwn = Object.values(spec.options).some((o) => o.short === "c");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config" || (a === "-c" && !cIsOwn)) {
      if (i + 1 >= argv.length) throw new CliError(`${a} needs a path\n${usage}`);
      config = argv[++i];
    } else if (a.startsWith("--config=")) config = a.slice("--config=".length);
    else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split(". To specify a positional")[0];
    throw new CliError(`${name}: ${msg}\n${usage}`);
  }
  const [min, max] = spec.positionals;
  const n = parsed.positionals.length;
  if (n < min) throw new CliError(`${name}: missing argument\n${usage}`);
  if (n > max) {
    throw new CliError(
      `${name}: unexpected argument "${parsed.positionals[max]}"\n${usage}`,
    );
  }
  return {
    values: { ...parsed.values } as ParsedCommand["values"],
    positionals: parsed.positionals,
    config,
  };
}
