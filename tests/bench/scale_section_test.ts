import { assertEquals } from "../assert.ts";
import { keepScaleSection, scaleSection, withScaleSection } from "./scale_section.ts";

Deno.test("bench page: each bench replaces its own part and keeps the other's", () => {
  const page = "# Benchmarks\n\n| a | 1 |\n";
  const once = withScaleSection(page, "## Scale\n\n| 100k | 1,500/s |");
  assertEquals(once.startsWith(page.trimEnd()), true);
  assertEquals(scaleSection(once).includes("| 100k | 1,500/s |"), true);
  // A new scale run replaces the section, and only it; a "$&" in a table is kept as written.
  const twice = withScaleSection(once, "## Scale\n\n| 1M | 1,050/s $& |");
  assertEquals(twice.includes("1,500/s"), false);
  assertEquals(twice.includes("| 1M | 1,050/s $& |"), true);
  assertEquals(twice.startsWith(page.trimEnd()), true);
  // A new default run keeps the last scale section; a page without one gets none.
  const fresh = "# Benchmarks\n\n| a | 2 |\n";
  assertEquals(
    keepScaleSection(fresh, twice),
    `# Benchmarks\n\n| a | 2 |\n\n${scaleSection(twice)}\n`,
  );
  assertEquals(keepScaleSection(fresh, page), fresh);
});
