/**
 * The staged layout as a picture: per zone and per node, the partition copies held now and
 * after the change on one scale, how many travel, and the usable capacity after it. Every bar
 * has its numbers written beside it; warnings say when copies share a zone or zones are lost.
 */
import type { LayoutNodeRole, NodePartitionChange } from "../../shared/admin.ts";
import { bytes, count, plural } from "./format.ts";
import { type Placement, redundancyWarnings, usableByZone, zonesOf } from "./layout_math.ts";

function Bars({ before, after, max, label }: {
  before: number;
  after: number;
  max: number;
  label: string;
}) {
  const pct = (n: number) => `${max ? (100 * n) / max : 0}%`;
  return (
    <div class="bars" role="img" aria-label={`${label}: ${before} now, ${after} after`}>
      <div class="bar now" style={{ width: pct(before) }} />
      <div class="bar after" style={{ width: pct(after) }} />
    </div>
  );
}

function Change({ c, usable }: { c: Omit<NodePartitionChange, "id">; usable?: number | null }) {
  return (
    <span class="change">
      {count(c.before)} → <strong>{count(c.after)}</strong>
      {c.incoming > 0 && <span class="in">+{count(c.incoming)}</span>}
      {c.outgoing > 0 && <span class="out">−{count(c.outgoing)}</span>}
      {usable != null && usable > 0 && (
        <span class="muted small usable">{bytes(usable)} usable</span>
      )}
    </span>
  );
}

export function LayoutPicture(
  { changes, placement, copiesMoved, copiesTotal, partitionSize, roles, first }: {
    changes: NodePartitionChange[];
    placement: Placement;
    copiesMoved: number;
    copiesTotal: number;
    /** Bytes per partition in the new version: what one moved copy may carry at most. */
    partitionSize: number;
    /** The roles after the change, with their usable capacity. */
    roles: LayoutNodeRole[];
    /** The first layout of the cluster: copies are placed, none moves. */
    first: boolean;
  },
) {
  const zones = zonesOf(changes, placement);
  // One scale for zones and nodes: a node's bar is its share of what a zone could hold.
  const max = Math.max(1, ...zones.map((z) => Math.max(z.before, z.after)));
  const usable = new Map(roles.map((r) => [r.id, r.usableCapacity]));
  const zoneUsable = usableByZone(roles);
  const storage = roles.filter((r) => r.capacity !== null);
  const copies = Math.round(copiesTotal / 256);
  const warnings = redundancyWarnings({
    zonesBefore: new Set(Object.values(placement.zoneBefore)).size,
    zonesAfter: new Set(storage.map((r) => r.zone)).size,
    copies,
    first,
  });
  return (
    <figure class="layout-picture">
      <figcaption>
        {first
          ? (
            <strong>
              First layout: nothing to move; {count(copiesTotal)} partition copies are placed
            </strong>
          )
          : (
            <strong>
              {plural(copiesMoved, "partition copy", "partition copies")} of {count(copiesTotal)}
              {" "}
              move to another node
            </strong>
          )}
        {!first && copiesMoved > 0 && partitionSize > 0 && (
          <>{" "}(at most {bytes(copiesMoved * partitionSize)} of data to copy)</>
        )}.{" "}
        <span class="legend">
          <span class="bar now" /> now <span class="bar after" /> after the change
        </span>
      </figcaption>
      {warnings.map((w) => <p key={w} class="note warn">{w}</p>)}
      {zones.map((z) => (
        <section key={z.zone} class="zone" aria-label={`Zone ${z.zone}`}>
          <div class="row zone-row">
            <span class="who">
              Zone <strong>{z.zone}</strong>
            </span>
            <Bars before={z.before} after={z.after} max={max} label={`Zone ${z.zone}`} />
            <Change c={z} usable={zoneUsable[z.zone]} />
          </div>
          {z.nodes.map((c) => (
            <div class="row" key={c.id}>
              <span class="who">{placement.names[c.id] ?? c.id.slice(0, 16)}</span>
              <Bars
                before={c.before}
                after={c.after}
                max={max}
                label={`Node ${placement.names[c.id] ?? c.id.slice(0, 16)}`}
              />
              <Change c={c} usable={usable.get(c.id)} />
            </div>
          ))}
        </section>
      ))}
    </figure>
  );
}
