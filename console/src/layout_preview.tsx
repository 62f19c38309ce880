/**
 * The staged layout as a picture: per zone and per node, the partition copies held now and
 * after the change, and how many travel. Every bar has its numbers written beside it.
 */
import type { NodePartitionChange } from "../../shared/admin.ts";
import { bytes, count, plural } from "./format.ts";
import { type Placement, zonesOf } from "./layout_math.ts";

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

function Change({ c }: { c: Omit<NodePartitionChange, "id"> }) {
  return (
    <span class="change">
      {count(c.before)} → <strong>{count(c.after)}</strong>
      {c.incoming > 0 && <span class="in">+{count(c.incoming)}</span>}
      {c.outgoing > 0 && <span class="out">−{count(c.outgoing)}</span>}
    </span>
  );
}

export function LayoutPicture(
  { changes, placement, copiesMoved, copiesTotal, partitionSize }: {
    changes: NodePartitionChange[];
    placement: Placement;
    copiesMoved: number;
    copiesTotal: number;
    /** Bytes per partition in the new version: what one moved copy may carry at most. */
    partitionSize: number;
  },
) {
  const zones = zonesOf(changes, placement);
  const maxNode = Math.max(1, ...changes.map((c) => Math.max(c.before, c.after)));
  const maxZone = Math.max(1, ...zones.map((z) => Math.max(z.before, z.after)));
  return (
    <figure class="layout-picture">
      <figcaption>
        <strong>
          {plural(copiesMoved, "partition copy", "partition copies")} of {count(copiesTotal)}{" "}
          move to another node
        </strong>
        {copiesMoved > 0 && partitionSize > 0 && (
          <>{" "}(at most {bytes(copiesMoved * partitionSize)} of data to copy)</>
        )}.{" "}
        <span class="legend">
          <span class="bar now" /> now <span class="bar after" /> after the change
        </span>
      </figcaption>
      {zones.map((z) => (
        <section key={z.zone} class="zone" aria-label={`Zone ${z.zone}`}>
          <div class="row zone-row">
            <span class="who">
              Zone <strong>{z.zone}</strong>
            </span>
            <Bars before={z.before} after={z.after} max={maxZone} label={`Zone ${z.zone}`} />
            <Change c={z} />
          </div>
          {z.nodes.map((c) => (
            <div class="row" key={c.id}>
              <span class="who">{placement.names[c.id] ?? c.id.slice(0, 16)}</span>
              <Bars
                before={c.before}
                after={c.after}
                max={maxNode}
                label={`Node ${placement.names[c.id] ?? c.id.slice(0, 16)}`}
              />
              <Change c={c} />
            </div>
          ))}
        </section>
      ))}
    </figure>
  );
}
