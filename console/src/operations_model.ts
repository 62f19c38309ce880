/** How the operations screen reads workers: progress as a fraction, busiest first. */
import type { WorkerInfoResp } from "../../shared/admin.ts";

/**
 * The fraction done a worker's progress text states ("1200/5000 blocks (24%)", "37%"), or null
 * when it only counts ("120 blocks checked").
 */
export function progressFraction(progress: string | null): number | null {
  if (!progress) return null;
  const ratio = /(\d+)\s*\/\s*(\d+)/.exec(progress);
  if (ratio && Number(ratio[2]) > 0) return Math.min(1, Number(ratio[1]) / Number(ratio[2]));
  const pct = /(\d+(?:\.\d+)?)\s*%/.exec(progress);
  return pct ? Math.min(1, Number(pct[1]) / 100) : null;
}

const ORDER: Record<WorkerInfoResp["state"], number> = { busy: 0, paused: 1, idle: 2, done: 3 };

/** Workers with errors first, then busy, paused, idle and done ones; by name within each. */
export function sortWorkers(ws: WorkerInfoResp[]): WorkerInfoResp[] {
  return [...ws].sort((a, b) =>
    Number(b.consecutiveErrors > 0) - Number(a.consecutiveErrors > 0) ||
    ORDER[a.state] - ORDER[b.state] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
