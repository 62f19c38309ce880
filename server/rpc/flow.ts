/**
 * Flow networks with integer capacities and non-negative integer costs, for the partition
 * assignment: a maximum flow (Dinic) tells whether a partition size fits, and a minimum-cost
 * maximum flow (primal-dual) picks the cheapest of the assignments that fit.
 *
 * Each edge e has two arcs: 2e forward, 2e+1 backward. The backward arc's residual capacity is
 * the flow on the edge, so no separate flow array is kept.
 */
export class FlowNetwork {
  readonly vertices: number;
  #from: number[] = [];
  #to: number[] = [];
  #capacity: number[] = [];
  #cost: number[] = [];
  #built = false;
  // Built on first use: arcs grouped by tail (in insertion order, which callers use to steer
  // the search), and per-arc arrays the algorithms run on.
  #start = new Int32Array(0);
  #arcs = new Int32Array(0);
  #head = new Int32Array(0);
  #arcCost = new Float64Array(0);
  #residual = new Int32Array(0);
  // Scratch space shared by the algorithms.
  #level = new Int32Array(0);
  #next = new Int32Array(0);
  #path = new Int32Array(0);
  #queue = new Int32Array(0);
  #potential = new Float64Array(0);

  constructor(vertices: number) {
    this.vertices = vertices;
  }

  /** Adds an edge and returns its id, for setCapacity and flow. */
  addEdge(from: number, to: number, capacity: number, cost = 0): number {
    if (cost < 0) throw new RangeError("flow network costs must be non-negative");
    this.#built = false;
    this.#from.push(from);
    this.#to.push(to);
    this.#capacity.push(capacity);
    this.#cost.push(cost);
    return this.#from.length - 1;
  }

  /** Changes an edge's capacity for the next computation, which starts from an empty flow. */
  setCapacity(edge: number, capacity: number): void {
    this.#capacity[edge] = capacity;
  }

  /** Flow on an edge after the last computation. */
  flow(edge: number): number {
    return this.#residual[2 * edge + 1];
  }

  /** The value of a maximum flow from source to sink (Dinic's algorithm). */
  maxFlow(source: number, sink: number): number {
    this.#reset();
    let total = 0;
    while (this.#levels(source, sink, false)) total += this.#blockingFlow(source, sink, false);
    return total;
  }

  /**
   * A maximum flow of least total cost; returns its value. Primal-dual: Dijkstra on reduced
   * costs finds the cost of the cheapest augmenting paths, then Dinic saturates every path of
   * that cost (the arcs of zero reduced cost) before the next, dearer round.
   */
  minCostFlow(source: number, sink: number): number {
    this.#reset();
    const potential = this.#potential.fill(0); // valid while costs are non-negative
    let total = 0;
    for (;;) {
      const dist = this.#distances(source);
      const d = dist[sink];
      if (d === Infinity) return total;
      for (let v = 0; v < this.vertices; v++) potential[v] += Math.min(dist[v], d);
      while (this.#levels(source, sink, true)) total += this.#blockingFlow(source, sink, true);
    }
  }

  #reset(): void {
    if (!this.#built) this.#build();
    const residual = this.#residual;
    for (let e = 0; e < this.#capacity.length; e++) {
      residual[2 * e] = this.#capacity[e];
      residual[2 * e + 1] = 0;
    }
  }

  #build(): void {
    const n = this.vertices;
    const m = 2 * this.#from.length;
    const tail = new Int32Array(m);
    this.#head = new Int32Array(m);
    this.#arcCost = new Float64Array(m);
    for (let e = 0; e < this.#from.length; e++) {
      tail[2 * e] = this.#head[2 * e + 1] = this.#from[e];
      tail[2 * e + 1] = this.#head[2 * e] = this.#to[e];
      this.#arcCost[2 * e] = this.#cost[e];
      this.#arcCost[2 * e + 1] = -this.#cost[e];
    }
    this.#start = new Int32Array(n + 1);
    for (let a = 0; a < m; a++) this.#start[tail[a] + 1]++;
    for (let v = 0; v < n; v++) this.#start[v + 1] += this.#start[v];
    const fill = this.#start.slice(0, n);
    this.#arcs = new Int32Array(m);
    for (let a = 0; a < m; a++) this.#arcs[fill[tail[a]]++] = a;
    this.#residual = new Int32Array(m);
    this.#level = new Int32Array(n);
    this.#next = new Int32Array(n);
    this.#path = new Int32Array(n);
    this.#queue = new Int32Array(n);
    this.#potential = new Float64Array(n);
    this.#built = true;
  }

  /** An arc the search may use: residual capacity, and zero reduced cost when costs count. */
  #usable(a: number, from: number, costs: boolean): boolean {
    if (this.#residual[a] <= 0) return false;
    if (!costs) return true;
    return this.#arcCost[a] + this.#potential[from] - this.#potential[this.#head[a]] === 0;
  }

  /** Breadth-first levels from the source; false when the sink cannot be reached. */
  #levels(source: number, sink: number, costs: boolean): boolean {
    const level = this.#level.fill(-1);
    const queue = this.#queue;
    level[source] = 0;
    queue[0] = source;
    for (let qi = 0, qn = 1; qi < qn; qi++) {
      const v = queue[qi];
      for (let i = this.#start[v]; i < this.#start[v + 1]; i++) {
        const a = this.#arcs[i];
        const w = this.#head[a];
        if (level[w] < 0 && this.#usable(a, v, costs)) {
          level[w] = level[v] + 1;
          queue[qn++] = w;
        }
      }
    }
    return level[sink] >= 0;
  }

  /** Augments along level-increasing paths until none is left (iterative depth-first search). */
  #blockingFlow(source: number, sink: number, costs: boolean): number {
    const level = this.#level;
    const next = this.#next;
    const path = this.#path; // arcs from the source to the current vertex
    const residual = this.#residual;
    for (let v = 0; v < this.vertices; v++) next[v] = this.#start[v];
    let total = 0;
    let depth = 0;
    let v = source;
    for (;;) {
      if (v === sink) {
        let push = Infinity;
        for (let i = 0; i < depth; i++) push = Math.min(push, residual[path[i]]);
        for (let i = 0; i < depth; i++) {
          residual[path[i]] -= push;
          residual[path[i] ^ 1] += push;
        }
        total += push;
        depth = 0;
        v = source;
        continue;
      }
      let advanced = false;
      for (; next[v] < this.#start[v + 1]; next[v]++) {
        const a = this.#arcs[next[v]];
        const w = this.#head[a];
        if (level[w] === level[v] + 1 && this.#usable(a, v, costs)) {
          path[depth++] = a;
          v = w;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      if (v === source) return total;
      level[v] = -1; // a dead end: no path to the sink left through v in this round
      v = this.#head[path[--depth] ^ 1];
      next[v]++;
    }
  }

  /** Shortest reduced-cost distances from the source over arcs with residual capacity. */
  #distances(source: number): Float64Array {
    const dist = new Float64Array(this.vertices).fill(Infinity);
    const heap = new MinHeap();
    dist[source] = 0;
    heap.push(0, source);
    while (heap.size > 0) {
      const d = heap.topKey();
      const v = heap.pop();
      if (d > dist[v]) continue;
      for (let i = this.#start[v]; i < this.#start[v + 1]; i++) {
        const a = this.#arcs[i];
        if (this.#residual[a] <= 0) continue;
        const w = this.#head[a];
        const nd = d + this.#arcCost[a] + this.#potential[v] - this.#potential[w];
        if (nd < dist[w]) {
          dist[w] = nd;
          heap.push(nd, w);
        }
      }
    }
    return dist;
  }
}

/** Binary heap of (key, vertex), smallest key on top; stale entries are skipped by the caller. */
class MinHeap {
  #keys: number[] = [];
  #values: number[] = [];

  get size(): number {
    return this.#keys.length;
  }

  topKey(): number {
    return this.#keys[0];
  }

  push(key: number, value: number): void {
    const keys = this.#keys;
    const values = this.#values;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  pop(): number {
    const keys = this.#keys;
    const values = this.#values;
    const top = values[0];
    const key = keys.pop()!;
    const value = values.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    values[i] = value;
    return top;
  }
}
