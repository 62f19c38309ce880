/**
 * How two nodes' views of the cluster layout combine: the higher applied version wins, the
 * staged changes made last win. Commutative and idempotent, so gossip converges.
 */
import { compareBytes } from "../util/order.ts";
import { encode } from "../util/msgpack.ts";
import type { ClusterLayout } from "./layout.ts";

export function mergeLayouts(a: ClusterLayout, b: ClusterLayout): ClusterLayout {
  let current = a.current;
  if (b.current.version > a.current.version) current = b.current;
  else if (b.current.version === a.current.version && tieBreak(b.current, a.current)) {
    current = b.current;
  }
  let staged = a.staged;
  const at = (l: ClusterLayout) => l.staged.at ?? 0;
  if (at(b) > at(a) || (at(b) === at(a) && tieBreak(b.staged, a.staged))) staged = b.staged;
  return current === a.current && staged === a.staged ? a : { current, staged };
}

/**
 * Two nodes that applied different layouts under one version number (an operator racing
 * themself on two consoles) must still agree: the larger encoding wins on every node.
 */
function tieBreak(x: unknown, y: unknown): boolean {
  return compareBytes(encode(x), encode(y)) > 0;
}
