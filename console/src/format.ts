/** Numbers, sizes, dates and ids as an operator reads them. */

// Decimal units, as Garage prints them and as capacities are configured ("100G" is 100 GB).
const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
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
