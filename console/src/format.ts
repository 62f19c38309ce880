/** Numbers, sizes, dates and ids as an operator reads them. */

// Decimal units, as Garage prints them and as capacities are configured ("100G" is 100 GB).
const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  let v = n;
  let u = 0;
  // 999.6 MB would print as "1000 MB": go up a unit whenever the rounded figure would.
  while ((v >= 1000 || (v >= 999.5 && u > 0)) && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function date(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE.format(d);
}

export function time(d: Date): string {
  return d.toLocaleTimeString();
}

export function ago(secs: number | null): string {
  if (secs === null) return "never seen";
  if (secs < 60) return `${Math.round(secs)} s ago`;
  if (secs < 3600) return `${Math.round(secs / 60)} min ago`;
  if (secs < 86400) return `${Math.round(secs / 3600)} h ago`;
  return `${Math.round(secs / 86400)} days ago`;
}

/** The first digits of a long hex id (the full id goes in a title or next to a copy button). */
export function shortId(id: string, n = 16): string {
  return id.length > n ? `${id.slice(0, n)}…` : id;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  pib: 1024 ** 5,
};

/**
 * A size as an operator types it ("100G", "1.5 TB", "500 GiB", "2000000") in bytes, or an
 * explanation of what is wrong with it. Units are decimal, as Garage's `-c 100G`; KiB… binary.
 */
export function parseSize(text: string): number | { error: string } {
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) {
    return { error: `“${text}” is not a size: write a number and a unit, such as 100G or 1.5 TB` };
  }
  const unit = SIZE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) {
    return { error: `“${m[2]}” is not a unit: use B, K, M, G, T or P (or KiB, MiB, GiB, TiB)` };
  }
  return Math.round(Number(m[1].replace(",", ".")) * unit);
}

/** A key valid "until" a day (an `<input type="date">` value) stops at the end of it, UTC. */
export function endOfDay(day: string): string {
  return `${day}T23:59:59Z`;
}
