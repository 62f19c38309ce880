/**
 * The layering check (`deno task check`): every import in server/ goes to its own layer or one
 * below, the three front ends never import each other nor touch a local store past the model,
 * and the console imports only itself and shared/. Prints each break with its file and line,
 * and exits 1.
 *
 *   util → net → rpc → table → block → model → api → s3 | web | admin → cli, node.ts → main.ts
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const RANK: Record<string, number> = {
  util: 1,
  net: 2,
  rpc: 3,
  table: 4,
  block: 5,
  model: 6,
  api: 7,
  s3: 8,
  web: 8,
  admin: 8,
  cli: 9,
  "node.ts": 9,
  "main.ts": 10,
};
const FRONT_ENDS = new Set(["s3", "web", "admin"]);

/** Static imports and re-exports (their names may span lines) and dynamic imports. */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/g;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* sources(path);
    else if (/\.tsx?$/.test(e.name) && !/_test\.ts$|^testing\.ts$/.test(e.name)) yield path;
  }
}

/** The layer (top folder of server/, or file) a path of server/ belongs to. */
function layerOf(path: string): string {
  return relative(join(ROOT, "server"), path).split("/")[0];
}

export async function check(): Promise<string[]> {
  const broken: string[] = [];
  for (
    const [top, allowed] of [["server", undefined], ["console/src", ["console", "shared"]]] as const
  ) {
    for await (const file of sources(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      const text = await Deno.readTextFile(file);
      // Front ends go through the model: a table's local store answers for this node alone.
      if (!allowed && (FRONT_ENDS.has(layerOf(file)) || layerOf(file) === "api")) {
        for (const m of text.matchAll(/\.store\./g)) {
          const line = text.slice(0, m.index!).split("\n").length;
          broken.push(`${rel}:${line}: a front end reaches a local store past the model`);
        }
      }
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        const target = join(file, "..", spec);
        const to = relative(ROOT, target);
        let wrong: string | undefined;
        if (allowed) {
          if (!allowed.some((a) => to.startsWith(a + "/"))) {
            wrong = "the console imports only itself and shared/";
          }
        } else if (to.startsWith("server/")) {
          const [a, b] = [layerOf(file), layerOf(target)];
          if (a !== b && FRONT_ENDS.has(a) && FRONT_ENDS.has(b)) {
            wrong = "a front end imports another";
          } else if (RANK[a] !== undefined && RANK[b] !== undefined && RANK[b] > RANK[a]) {
            wrong = `${a}/ imports ${b}/, a layer above it`;
          }
        } else if (!to.startsWith("shared/")) {
          wrong = "the server imports outside server/ and shared/";
        }
        if (!wrong) continue;
        const line = text.slice(0, m.index! + m[0].length).split("\n").length;
        broken.push(`${rel}:${line}: ${wrong} (${spec})`);
      }
    }
  }
  return broken;
}

if (import.meta.main) {
  const broken = await check();
  for (const b of broken) console.error(b);
  console.log(`layers: ${broken.length} break(s) of the layering`);
  if (broken.length) Deno.exit(1);
}
