/**
 * The scale bench's table has its section at the end of docs/benchmarks.md: each bench replaces
 * its own part of the page and keeps the other's (the scale run takes 20 minutes, the default one
 * 6, and they run apart).
 */

const START = "<!-- scale bench: `deno task bench --scale` replaces this section -->";
const END = "<!-- end of the scale bench's section -->";

/** The scale section of a page (markers included), or "" if it has none. */
export function scaleSection(page: string): string {
  const from = page.indexOf(START);
  const to = page.indexOf(END, from);
  return from < 0 || to < 0 ? "" : page.slice(from, to + END.length);
}

/** The page with its scale section replaced by (or, if it had none, followed by) `body`. */
export function withScaleSection(page: string, body: string): string {
  const section = `${START}\n\n${body.trim()}\n\n${END}`;
  const old = scaleSection(page);
  return old ? page.replace(old, () => section) : `${page.trimEnd()}\n\n${section}\n`;
}

/** A page the default bench wrote (`fresh`), carrying over the scale section `previous` had. */
export function keepScaleSection(fresh: string, previous: string): string {
  const old = scaleSection(previous);
  return old ? `${fresh.trimEnd()}\n\n${old}\n` : fresh;
}
