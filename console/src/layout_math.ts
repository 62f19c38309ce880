/** Sums of a layout change by zone, for the preview picture. */
import type { NodePartitionChange } from "../../shared/admin.ts";

export interface Placement {
  /** Each node's zone now (absent: no role now). */
  zoneBefore: Record<string, string>;
  /** Each node's zone after the change (absent: no role, or a removed one). */
  zoneAfter: Record<string, string>;
  /** Names to show for nodes (hostname), by id. */
  names: Record<string, string>;
}

export interface ZoneChange {
  zone: string;
  before: number;
  after: number;
  incoming: number;
  outgoing: number;
  /** Nodes shown under the zone: those in it after the change, or before if they leave. */
  nodes: NodePartitionChange[];
}

/**
 * Copies per zone now and after. A node that changes zone counts in its old zone before and
 * its new one after, so zone totals stay true; copies moving inside a zone are not counted as
 * entering or leaving it.
 */
export function zonesOf(changes: NodePartitionChange[], p: Placement): ZoneChange[] {
  const zones = new Map<string, ZoneChange>();
  const of = (zone: string) => {
    if (!zones.has(zone)) {
      zones.set(zone, { zone, before: 0, after: 0, incoming: 0, outgoing: 0, nodes: [] });
    }
    return zones.get(zone)!;
  };
  for (const c of changes) {
    const was = p.zoneBefore[c.id];
    const will = p.zoneAfter[c.id];
    if (was !== undefined) of(was).before += c.before;
    if (will !== undefined) of(will).after += c.after;
    of(will ?? was ?? "(no zone)").nodes.push(c);
  }
  for (const z of zones.values()) {
    const delta = z.after - z.before;
    z.incoming = Math.max(0, delta);
    z.outgoing = Math.max(0, -delta);
  }
  return [...zones.values()].sort((a, b) => a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0);
}

/**
 * What a change does to redundancy, in words: copies sharing a zone (fewer zones holding
 * storage than copies), and fewer zones than before. Empty when nothing is worth a warning.
 */
export function redundancyWarnings(
  o: { zonesBefore: number; zonesAfter: number; copies: number; first: boolean },
): string[] {
  const out: string[] = [];
  if (o.zonesAfter < o.copies) {
    out.push(
      `Only ${o.zonesAfter} zone${
        o.zonesAfter === 1 ? "" : "s"
      } for ${o.copies} copies: some partitions keep two copies in one zone, and losing that zone loses both.`,
    );
  }
  if (!o.first && o.zonesAfter < o.zonesBefore) {
    out.push(
      `This change lowers redundancy: data is spread over ${o.zonesAfter} zone${
        o.zonesAfter === 1 ? "" : "s"
      } instead of ${o.zonesBefore}.`,
    );
  }
  return out;
}

/** Usable bytes per zone after the change, from each node's usable capacity. */
export function usableByZone(
  roles: { id: string; zone: string; usableCapacity: number | null }[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of roles) out[r.zone] = (out[r.zone] ?? 0) + (r.usableCapacity ?? 0);
  return out;
}
