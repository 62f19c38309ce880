/**
 * What every console browser test needs: the console built, a real cluster (three nodes in
 * three zones unless told otherwise), and a headless Chromium signed in to one node's admin
 * port that records every request it makes and every page error, so a test can end by checking
 * that the console asked no other host and broke nothing.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals } from "../assert.ts";
import { type Browser, launchChromium, shot } from "../browser.ts";
import { type ClusterNode, type ClusterOptions, startCluster, stopAll } from "../cluster.ts";
import { ROOT } from "../harness.ts";

const DIST = `${ROOT}console/dist/`;

async function mtime(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    newest = Math.max(
      newest,
      e.isDirectory ? await newestSource(p) : await mtime(p),
    );
  }
  return newest;
}

let built: Promise<void> | undefined;

/** Builds the console unless console/dist/app.js is newer than every source of it. */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const sources = Math.max(
      await newestSource(`${ROOT}console/src`),
      await mtime(`${ROOT}console/index.html`),
      await mtime(`${ROOT}console/style.css`),
      await mtime(`${ROOT}shared/admin.ts`),
    );
    if (await mtime(`${DIST}app.js`) > sources) return;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}console/build.ts`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert(
      out.success,
      `console build failed:\n${dec.decode(out.stdout)}\n${dec.decode(out.stderr)}`,
    );
  })();
  return built;
}

/**
 * Records every request the browser makes and every error the page reports; the function
 * returned fails if a request went anywhere but `origin` or the page broke.
 */
export function watchPage(
  { context, page }: Browser,
  origin: string,
): () => void {
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // A refused API call logs its status; CSP violations and exceptions must not happen.
    if (m.type() === "error" && !/status of [45]\d\d/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  return () => {
    // Downloads go through blob: URLs of the console's own origin.
    const own = [`${origin}/`, `blob:${origin}/`];
    const foreign = requests.filter((u) => !own.some((o) => u.startsWith(o)));
    assertEquals(foreign, [], "the console requested another host");
    assertEquals(problems, []);
  };
}

/**
 * A browser test on a signed-in console session (see consoleSession), which ends by checking
 * that the console asked no other host and broke nothing.
 */
export function consoleTest(
  name: string,
  fn: (s: ConsoleSession) => Promise<void>,
  cluster: Partial<ClusterOptions> = {},
): void {
  Deno.test({
    name,
    // Chromium's pipes and the nodes' processes outlive a test's own ops.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      await using s = await consoleSession(cluster);
      if (!s) return;
      await fn(s);
      s.assertClean();
    },
  });
}

/** A desktop and a phone viewport, for screenshots at both widths. */
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 360, height: 740 };

export interface ConsoleSession {
  nodes: ClusterNode[];
  /** The node whose admin port the browser uses. */
  node: ClusterNode;
  browser: Browser;
  page: Page;
  /** Opens a screen by its hash (e.g. "#/layout") and waits for its heading. */
  open(hash: string): Promise<void>;
  /** Saves a screenshot at desktop width and one at phone width (`<name>-phone`). */
  shots(name: string): Promise<void>;
  /** Fails if the console asked another host or the page logged an error. */
  assertClean(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a cluster (3 nodes in zones dc1, dc2, dc3, rf 3 unless `cluster` says otherwise) and a
 * signed-in browser on the first node; undefined (skipped, said why) when Chromium is missing
 * outside CI. Dispose it with `await using`.
 */
export async function consoleSession(
  cluster: Partial<ClusterOptions> = {},
): Promise<ConsoleSession | undefined> {
  await ensureBuilt();
  const nodes = await startCluster({
    zones: ["dc1", "dc2", "dc3"],
    replicationFactor: 3,
    ...cluster,
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium({ viewport: DESKTOP });
    if (!browser) {
      await stopAll(nodes);
      return undefined;
    }
  } catch (e) {
    await stopAll(nodes);
    throw e;
  }
  const node = nodes[0];
  // A test may restart a node on its folder (then the node does not own it): removed at the end.
  const dirs = nodes.map((n) => n.dir);
  const { page } = browser;
  const assertClean = watchPage(browser, node.admin);
  const open = async (hash: string) => {
    await page.goto(`${node.admin}/${hash}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
  };
  await page.goto(`${node.admin}/#/cluster`);
  await page.getByLabel("Admin token").fill(node.adminToken);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Cluster" }).waitFor();
  const b = browser;
  return {
    nodes,
    node,
    browser: b,
    page,
    open,
    async shots(name: string) {
      await shot(page, name);
      await page.setViewportSize(PHONE);
      await page.waitForLoadState("networkidle");
      const { width, widest } = await page.evaluate((max) => {
        // The deepest elements sticking out name the culprit, not just the page's width.
        const out = [...document.querySelectorAll("body *")]
          .filter((e) =>
            e.getBoundingClientRect().right > max && !e.querySelector("*") &&
            !e.closest(".offscreen, thead")
          )
          .slice(0, 5)
          .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}">`);
        return {
          width: document.documentElement.scrollWidth,
          widest: out.join(", "),
        };
      }, PHONE.width);
      assert(
        width <= PHONE.width,
        `${name} is ${width} px wide at ${PHONE.width} px; sticking out: ${widest}`,
      );
      await shot(page, `${name}-phone`);
      await page.setViewportSize(DESKTOP);
    },
    assertClean,
    async [Symbol.asyncDispose]() {
      await b[Symbol.asyncDispose]();
      await stopAll(nodes);
      for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
