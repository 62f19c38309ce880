const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  ki: 1024,
  m: 1e6,
  mi: 1024 ** 2,
  g: 1e9,
  gi: 1024 ** 3,
  t: 1e12,
  ti: 1024 ** 4,
};

/** Parses "1M", "10GiB", "1048576" or a number into bytes, as Garage's config accepts them. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$/i.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? "").toLowerCase()]);
}

export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return `${i === 0 ? bytes : bytes.toFixed(1)} ${units[i]}`;
}
