/**
 * The flow network behind the partition assignment (Garage's optimal layout, see
 * src/rpc/layout/version.rs): a flow of `partitions × rf` units from the source to the sink
 * is exactly an assignment that gives each partition rf distinct nodes in at least zr zones
 * and each node no more partitions than its capacity holds at the given partition size.
 *
 *   source → P⁺(p)    capacity zr       the copies that must land in distinct zones
 *   source → P⁻(p)    capacity rf − zr  the other copies, in any zone
 *   P⁺(p) → PZ(p, z)  capacity 1        so P⁺'s zr copies reach zr different zones
 *   P⁻(p) → PZ(p, z)  capacity rf
 *   PZ(p, z) → N(n)   capacity 1        for n in zone z: a node holds a partition once
 *   N(n) → sink       capacity ⌊capacity(n) / size⌋
 *
 * A plain bound per zone (at most rf − zr + 1 copies in a zone) is not enough once rf ≥ 4:
 * rf 4, zr 3 would allow 2 + 2 copies in two zones. The P⁺ / P⁻ split is exact.
 *
 * Nodes are numbered 0…n−1 and zones 0…z−1; names are the caller's business.
 */
import { FlowNetwork } from "./flow.ts";

export interface StorageNode {
  zone: number;
  /** Bytes, a whole number > 0. */
  capacity: number;
}

/**
 * Balance levels: the k-th partition on a node costs ⌊LEVELS · k · size / capacity⌋, so the
 * cheapest flow fills nodes evenly, to within 1/LEVELS of their capacity, wherever the
 * partition size leaves a choice (a big zone next to small ones, tiny capacities).
 */
const LEVELS = 64;

export class PartitionNetwork {
  readonly #partitions: number;
  readonly #nodes: StorageNode[];
  readonly #copies: number;
  readonly #net: FlowNetwork;
  readonly #sink: number;
  /** #placement[p * nodes + n]: the edge PZ(p, zone of n) → N(n). */
  readonly #placement: Int32Array;
  /** #levels[n * (LEVELS + 1) + l]: the edge N(n) → sink at balance level l. */
  readonly #levels: Int32Array;

  /**
   * `previous[p]` lists the nodes that held partition p: keeping them there costs nothing, a
   * new placement costs more than any balance difference, so moves are minimised first.
   */
  constructor(
    partitions: number,
    nodes: StorageNode[],
    zones: number,
    rf: number,
    zr: number,
    previous: number[][],
  ) {
    this.#partitions = partitions;
    this.#nodes = nodes;
    this.#copies = partitions * rf;
    const P = partitions;
    const N = nodes.length;
    const up = (p: number) => 2 + p;
    const down = (p: number) => 2 + P + p;
    const pz = (p: number, z: number) => 2 + 2 * P + p * zones + z;
    const node = (n: number) => 2 + 2 * P + P * zones + n;
    this.#sink = 1;
    this.#net = new FlowNetwork(2 + 2 * P + P * zones + N);
    const net = this.#net;
    const moveCost = this.#copies * LEVELS + 1;
    const held = new Uint8Array(P * N);
    previous.forEach((ns, p) => ns.forEach((n) => held[p * N + n] = 1));
    const byZone = Array.from(
      { length: zones },
      (_, z) => nodes.flatMap((x, n) => x.zone === z ? [n] : []),
    );
    this.#placement = new Int32Array(P * N);
    for (let p = 0; p < P; p++) {
      net.addEdge(0, up(p), zr);
      if (rf > zr) net.addEdge(0, down(p), rf - zr);
      for (const z of scrambled(zones, p)) {
        net.addEdge(up(p), pz(p, z), 1);
        if (rf > zr) net.addEdge(down(p), pz(p, z), rf);
        for (const n of scrambled(byZone[z].length, P + p).map((i) => byZone[z][i])) {
          const cost = held[p * N + n] ? 0 : moveCost;
          this.#placement[p * N + n] = net.addEdge(pz(p, z), node(n), 1, cost);
        }
      }
    }
    this.#levels = new Int32Array(N * (LEVELS + 1));
    for (let n = 0; n < N; n++) {
      for (let l = 0; l <= LEVELS; l++) {
        this.#levels[n * (LEVELS + 1) + l] = net.addEdge(node(n), this.#sink, 0, l);
      }
    }
  }

  /**
   * The assignment with the largest partition size: `partitions[p]` lists the nodes of
   * partition p, and `partitionSize` is that size in whole bytes. Among the assignments of
   * that size, it moves the fewest copies from `previous`, then fills nodes most evenly.
   */
  optimalAssignment(): { partitions: number[][]; partitionSize: number } {
    const size = this.#largestSize();
    this.#setSize(size);
    const flow = this.#net.minCostFlow(0, this.#sink);
    if (flow !== this.#copies) throw new Error("the optimal partition size does not fit");
    const N = this.#nodes.length;
    const partitions = Array.from(
      { length: this.#partitions },
      (_, p) =>
        this.#nodes.flatMap((_, n) => this.#net.flow(this.#placement[p * N + n]) ? [n] : []),
    );
    return { partitions, partitionSize: Math.floor(size.bytes / size.per) };
  }

  /**
   * The optimum is one of the sizes where some node's room drops, capacity / k: past any other
   * size every node keeps its room, so a slightly larger size would fit too. Sizes need not be
   * whole bytes: tiny capacities still get an assignment, with a partition size that rounds
   * down to 0, and rooms at the exact optimum follow capacities more closely.
   */
  #largestSize(): Size {
    const total = this.#nodes.reduce((s, n) => s + BigInt(n.capacity), 0n);
    const copies = BigInt(this.#copies);
    const sizes = new Map<string, Size>();
    for (const { capacity } of this.#nodes) {
      for (let k = 1; k <= this.#partitions; k++) {
        const g = gcd(capacity, k);
        sizes.set(`${capacity / g}/${k / g}`, { bytes: capacity / g, per: k / g });
      }
    }
    // No size above total / copies can fit: the rooms would not add up.
    const sorted = [...sizes.values()]
      .filter((s) => BigInt(s.bytes) * copies <= total * BigInt(s.per))
      .sort(compare);
    // The smallest, min capacity / partitions, lets every node take every partition: it fits.
    let lo = 0; // sorted[lo] fits
    let hi = sorted.length; // sorted[hi] does not
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.#fits(sorted[mid])) lo = mid;
      else hi = mid;
    }
    return sorted[lo];
  }

  #fits(size: Size): boolean {
    this.#setSize(size);
    return this.#net.maxFlow(0, this.#sink) === this.#copies;
  }

  /** Sets each node's room, ⌊capacity / size⌋ partitions, split into its balance levels. */
  #setSize(size: Size): void {
    const approx = size.bytes / size.per;
    this.#nodes.forEach(({ capacity }, n) => {
      const exact = BigInt(capacity) * BigInt(size.per) / BigInt(size.bytes);
      const room = Math.min(this.#partitions, Number(exact));
      const perLevel = new Array<number>(LEVELS + 1).fill(0);
      for (let k = 1; k <= room; k++) {
        perLevel[Math.min(LEVELS, Math.floor((LEVELS * k * approx) / capacity))]++;
      }
      perLevel.forEach((c, l) => this.#net.setCapacity(this.#levels[n * (LEVELS + 1) + l], c));
    });
  }
}

/**
 * A partition size of `bytes / per` bytes, kept exact: both are whole numbers below 2⁵³, but
 * their cross products used to compare and divide them are not.
 */
interface Size {
  bytes: number;
  per: number;
}

function compare(a: Size, b: Size): number {
  const x = BigInt(a.bytes) * BigInt(b.per);
  const y = BigInt(b.bytes) * BigInt(a.per);
  return x < y ? -1 : x > y ? 1 : 0;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * 0…count−1 in an order fixed by the seed: partitions list their candidate nodes and zones in
 * different orders, so one node's partitions have their other copies on many different nodes
 * (when it fails, many share the repair), and the same layout always gives the same result.
 */
function scrambled(count: number, seed: number): number[] {
  const keys = Array.from({ length: count }, (_, i) => {
    let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) >>> 0;
  });
  return keys.map((_, i) => i).sort((a, b) => keys[a] - keys[b]);
}
