/** Text output helpers shaped like Garage's (format_table, bytesize). Pure functions. */
import { parseSize } from "../util/size.ts";
import { CliError } from "./errors.ts";

/** Aligns tab-separated columns, two spaces apart (Garage's format_table). */
export function table(lines: string[]): string {
  const rows = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) =>
    r.map((c, i) => i < r.length - 1 ? c.padEnd(widths[i]) : c).join("  ").trimEnd()
  )
    .join("\n");
}

/** 1500000000 → "1.5 GB" (decimal units, as Garage shows capacities), or "1.4 GiB" if binary. */
export function bytes(n: number, binary = false): string {
  const base = binary ? 1024 : 1000;
  const units = binary
    ? ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    : ["B", "KB", "MB", "GB", "TB", "PB"];
  if (n < base) return `${n} B`;
  let v = n;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function capacityString(c: number | null): string {
  return c === null ? "gateway" : bytes(c);
}

/** "100G", "1T", "500GB", "2TiB" or a number of bytes; refuses anything else with a hint. */
export function parseCapacity(s: string): number {
  const n = parseSize(s);
  if (n === undefined || n <= 0) {
    throw new CliError(`invalid capacity "${s}": give a size such as 100G, 1T or 500GiB`);
  }
  return n;
}

/** The first 16 characters, as Garage abbreviates ids (`{:.16}`). */
export const short = (id: string) => id.slice(0, 16);

export function dateOnly(iso: string | null): string {
  return iso ? iso.slice(0, 10) : "";
}

export function listAbbr(items: string[]): string {
  if (items.length === 0) return "";
  if (items.length === 1) return items[0];
  return `${items[0]} (+${items.length - 1})`;
}
