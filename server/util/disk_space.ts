/**
 * Free space on the node's disks and the reserve kept on each: below it the node refuses new
 * data (as MinIO does), so that deletes, aborts and lifecycle, which need a little room for
 * their own metadata, can still free space.
 */
import { statfsSync } from "node:fs";

export interface DiskUsage {
  available: number;
  total: number;
  /** Bytes kept free: below them new data is refused. */
  reserve: number;
}

/** `min_free_space`: a size, or a share of the disk. */
export type Reserve = { bytes: number } | { percent: number };

export function diskUsage(path: string, reserve: Reserve): DiskUsage | null {
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    return {
      available: s.bavail * s.bsize,
      total,
      reserve: "bytes" in reserve ? reserve.bytes : Math.ceil(total * reserve.percent / 100),
    };
  } catch {
    return null;
  }
}

export function belowReserve(d: DiskUsage | null): boolean {
  return d !== null && d.available < d.reserve;
}

/**
 * Marks the message of a refusal for lack of space, so that the node that asked a peer can
 * tell a full disk (not worth retrying) from an unreachable replica.
 */
export const STORAGE_FULL = "[storage full]";

/** Whether an error, here or from a peer, comes from a disk that is full or in its reserve. */
export function isStorageFull(e: unknown): boolean {
  const message = (e as Error)?.message ?? "";
  return message.includes(STORAGE_FULL) || message.includes("No space left on device");
}
