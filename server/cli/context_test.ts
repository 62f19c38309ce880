import { assertEquals } from "../../tests/assert.ts";
import { commandPrefix } from "./context.ts";

const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });

Deno.test("next-step hints repeat the way Deno was started: deno task, or npx", () => {
  assertEquals(commandPrefix("config.dev.toml", env({})), "deno task cli -c config.dev.toml");
  assertEquals(
    commandPrefix("config.dev.toml", env({ npm_lifecycle_event: "npx", npm_command: "exec" })),
    `npx -y deno@${Deno.version.deno} task cli -c config.dev.toml`,
  );
});
