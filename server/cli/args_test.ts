import { assertEquals, assertMatch, assertThrows } from "../../tests/assert.ts";
import { type CommandSpec, findCommand, parseCommand, parseGlobal } from "./args.ts";
import { COMMANDS } from "./commands.ts";
import { CliError } from "./errors.ts";
import { bytes, parseCapacity, table } from "./format.ts";
import { parseZoneRedundancy } from "./layout.ts";

function cliError(fn: () => unknown, re: RegExp): void {
  const e = assertThrows(fn);
  if (!(e instanceof CliError)) throw new Error(`expected CliError, got ${e}`);
  assertMatch(e.message, re);
}

Deno.test("global options: -c before the verb, REMISE_CONFIG_FILE, default path", () => {
  assertEquals(parseGlobal(["-c", "x.toml", "key", "list"], {}), {
    config: "x.toml",
    help: false,
    rest: ["key", "list"],
  });
  assertEquals(parseGlobal(["--config=y.toml", "status"], {}).config, "y.toml");
  assertEquals(parseGlobal(["status"], { REMISE_CONFIG_FILE: "/e.toml" }).config, "/e.toml");
  assertEquals(parseGlobal(["status"], {}).config, "/etc/remise.toml");
  assertEquals(parseGlobal(["--help"], {}).help, true);
  // Options after the verb belong to the command (layout assign's -c is a capacity).
  assertEquals(parseGlobal(["layout", "assign", "ab", "-c", "1G"], {}).rest, [
    "layout",
    "assign",
    "ab",
    "-c",
    "1G",
  ]);
  cliError(() => parseGlobal(["-c"], {}), /-c needs a path/);
  cliError(() => parseGlobal(["--verbose", "status"], {}), /Unknown option --verbose/);
});

Deno.test("commands are found by their longest word prefix", () => {
  const f = findCommand(COMMANDS, ["key", "create", "k1"]);
  assertEquals(f?.spec.path, ["key", "create"]);
  assertEquals(f?.argv, ["k1"]);
  assertEquals(findCommand(COMMANDS, ["node", "id"])?.spec.path, ["node", "id"]);
  assertEquals(findCommand(COMMANDS, ["key"]), undefined);
  assertEquals(findCommand(COMMANDS, ["nope"]), undefined);
});

const ASSIGN: CommandSpec = COMMANDS.find((c) => c.path.join(" ") === "layout assign")!;
const ALLOW: CommandSpec = COMMANDS.find((c) => c.path.join(" ") === "bucket allow")!;

Deno.test("command options and positionals", () => {
  const a = parseCommand(ASSIGN, ["abcd", "-z", "dc1", "-c", "10G", "-t", "a", "-t", "b"]);
  assertEquals(a.positionals, ["abcd"]);
  assertEquals(a.values, { zone: "dc1", capacity: "10G", tag: ["a", "b"] });
  assertEquals(a.config, undefined, "-c is layout assign's capacity");
  const b = parseCommand(ALLOW, ["--read", "--write", "bkt", "--key", "k1", "-c", "conf.toml"]);
  assertEquals(b.positionals, ["bkt"]);
  assertEquals(b.values, { read: true, write: true, key: "k1" });
  assertEquals(b.config, "conf.toml", "-c after the verb still names the config elsewhere");
  cliError(
    () => parseCommand(ALLOW, ["--rad", "bkt"]),
    /^bucket allow: Unknown option '--rad'\nusage: bucket allow/,
  );
  cliError(() => parseCommand(ALLOW, []), /bucket allow: missing argument/);
  cliError(() => parseCommand(ALLOW, ["a", "b"]), /unexpected argument "b"/);
});

Deno.test("sizes, tables, zone redundancy", () => {
  assertEquals(parseCapacity("100G"), 100e9);
  assertEquals(parseCapacity("1TiB"), 1024 ** 4);
  assertEquals(parseCapacity("4096"), 4096);
  cliError(() => parseCapacity("lots"), /invalid capacity "lots"/);
  cliError(() => parseCapacity("0"), /invalid capacity/);
  assertEquals(bytes(999), "999 B");
  assertEquals(bytes(100e9), "100.0 GB");
  assertEquals(bytes(1536, true), "1.5 KiB");
  assertEquals(table(["a\tbb\tc", "ccc\td\te"]), "a    bb  c\nccc  d   e");
  assertEquals(parseZoneRedundancy("max"), "maximum");
  assertEquals(parseZoneRedundancy("2"), { atLeast: 2 });
  cliError(() => parseZoneRedundancy("two"), /zone redundancy must be/);
});
