/**
 * Builds the browser console: bundles `console/src/main.tsx` with esbuild into
 * `console/dist/app.js` (minified) and copies `index.html` and `style.css` next to it.
 *
 *   deno run -A console/build.ts           build once; exits non-zero on any error
 *   deno run -A console/build.ts --watch   rebuild on every change until interrupted
 */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL("./", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIST = `${HERE}dist/`;
const STATIC = ["index.html", "style.css"];

const options: esbuild.BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: [`${HERE}src/main.tsx`],
  outfile: `${DIST}app.js`,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  platform: "browser",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

async function copyStatic(): Promise<void> {
  await Deno.mkdir(DIST, { recursive: true });
  for (const f of STATIC) await Deno.copyFile(`${HERE}${f}`, `${DIST}${f}`);
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

async function report(): Promise<void> {
  const sizes = await Promise.all(
    ["app.js", ...STATIC].map(async (f) => `${f} ${kib((await Deno.stat(`${DIST}${f}`)).size)}`),
  );
  console.log(`console built in console/dist: ${sizes.join(", ")}`);
}

async function buildOnce(): Promise<void> {
  try {
    await copyStatic();
    await esbuild.build(options);
    await report();
  } finally {
    await esbuild.stop();
  }
}

async function watch(): Promise<void> {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{
      name: "remise-console-static",
      setup(build) {
        build.onEnd(async (result) => {
          if (result.errors.length) return;
          await copyStatic();
          await report();
        });
      },
    }],
  });
  await ctx.watch();
  console.log("watching console/ for changes (Ctrl-C to stop)");
  // esbuild watches the bundle's sources; the static files are watched here.
  for await (const ev of Deno.watchFs(STATIC.map((f) => `${HERE}${f}`))) {
    if (ev.kind === "modify" || ev.kind === "create") {
      await copyStatic().then(report).catch((e) => console.error(`copy failed: ${e}`));
    }
  }
}

if (import.meta.main) {
  try {
    if (Deno.args.includes("--watch")) await watch();
    else await buildOnce();
  } catch (e) {
    // esbuild has already printed its errors (logLevel); say that the build failed and stop.
    console.error(`console build failed: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
