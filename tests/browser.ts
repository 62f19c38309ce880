/** Debian's Chromium, headless, driven by playwright-core, for tests that need a real browser. */
import type { BrowserContext, Page } from "playwright-core";
import { requireProgram, ROOT } from "./harness.ts";

const ARTIFACTS = `${ROOT}tests/artifacts/`;

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A fresh profile in a new Chromium; undefined (skipped, said why) when Chromium is missing
 * outside CI. `args` adds switches, e.g. `--host-resolver-rules` to give loopback a name.
 */
export async function launchChromium(
  o: { args?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<Browser | undefined> {
  if (!await requireProgram("chromium")) return undefined;
  const { chromium } = await import("playwright-core");
  const profile = await Deno.makeTempDir({ prefix: "remise-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, ...(o.args ?? [])],
    viewport: o.viewport ?? { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** Saves a full-page screenshot as a test artefact in tests/artifacts/. */
export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}
