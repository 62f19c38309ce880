/** Minimal leveled logger: one line per event on stderr, so stdout stays for command output. */
export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: Level = (Deno.env.get("REMISE_LOG") as Level | undefined) ?? "info";

export function setLogLevel(level: Level): void {
  threshold = level;
}

function emit(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const extra = fields
    ? " " + Object.entries(fields).map(([k, v]) => `${k}=${fmt(v)}`).join(" ")
    : "";
  console.error(`${new Date().toISOString()} ${level.toUpperCase()} ${msg}${extra}`);
}

function fmt(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  return typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v);
}

export const log = {
  debug: (msg: string, f?: Record<string, unknown>) => emit("debug", msg, f),
  info: (msg: string, f?: Record<string, unknown>) => emit("info", msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => emit("warn", msg, f),
  error: (msg: string, f?: Record<string, unknown>) => emit("error", msg, f),
};
