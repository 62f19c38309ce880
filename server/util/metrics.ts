/** Prometheus counters and latency histograms, rendered in the text exposition format. */
import type { RecentErrorResp } from "../../shared/admin.ts";

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One value of a scraped metric, with its labels. */
export type Sample = [labels: Record<string, string>, value: number];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function renderLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "\\$&")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

// Label sets repeat on every request (an operation, a status): render each once.
const rendered = new Map<string, string>();

function labelText(labels: Record<string, string>): string {
  let id = "";
  for (const k in labels) id += k + "\u0000" + labels[k] + "\u0000";
  let text = rendered.get(id);
  if (text === undefined) {
    text = renderLabels(labels);
    if (rendered.size < 10_000) rendered.set(id, text);
  }
  return text;
}

export class Metrics {
  readonly #counters = new Map<string, Map<string, number>>();
  readonly #histograms = new Map<string, Map<string, Histogram>>();
  readonly #help = new Map<string, string>();
  readonly #gauges = new Map<
    string,
    { read: () => Promise<Sample[]>; type: "gauge" | "counter" }
  >();

  inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    this.#help.set(name, help);
    const m = this.#counters.get(name) ?? new Map();
    this.#counters.set(name, m);
    const key = labelText(labels);
    m.set(key, (m.get(key) ?? 0) + by);
  }

  observe(name: string, help: string, labels: Record<string, string>, seconds: number): void {
    this.#help.set(name, help);
    const m = this.#histograms.get(name) ?? new Map<string, Histogram>();
    this.#histograms.set(name, m);
    const key = labelText(labels);
    const h = m.get(key) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    m.set(key, h);
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  /** A counter's sum over all its labels (0 before its first increment). */
  total(name: string): number {
    let sum = 0;
    for (const v of this.#counters.get(name)?.values() ?? []) sum += v;
    return sum;
  }

  /** The last errors answered, newest last (see RecentErrors). */
  readonly recentErrors = new RecentErrors();

  /**
   * S3 requests and errors per bucket id, for the usage history only: a bucket label on the
   * Prometheus counters would give them one series per bucket.
   */
  readonly perBucket = new Map<string, { requests: number; errors: number }>();

  countBucket(bucketId: string, error: boolean): void {
    const c = this.perBucket.get(bucketId) ?? { requests: 0, errors: 0 };
    c.requests++;
    if (error) c.errors++;
    this.perBucket.set(bucketId, c);
  }

  /**
   * A value computed when scraped (objects stored, bytes stored…); a counter when it only grows
   * and another part keeps it (bytes sent to peers).
   */
  gauge(
    name: string,
    help: string,
    read: () => Promise<Sample[]>,
    type: "gauge" | "counter" = "gauge",
  ): void {
    this.#help.set(name, help);
    this.#gauges.set(name, { read, type });
  }

  async render(): Promise<string> {
    const out: string[] = [];
    for (const [name, m] of this.#counters) {
      out.push(`# HELP ${name} ${this.#help.get(name)}`, `# TYPE ${name} counter`);
      for (const [l, v] of m) out.push(`${name}${l} ${v}`);
    }
    for (const [name, m] of this.#histograms) {
      out.push(`# HELP ${name} ${this.#help.get(name)}`, `# TYPE ${name} histogram`);
      for (const [l, h] of m) {
        const inner = l.slice(1, -1);
        const sep = inner ? "," : "";
        BUCKETS.forEach((b, i) =>
          out.push(`${name}_bucket{${inner}${sep}le="${b}"} ${h.counts[i]}`)
        );
        out.push(`${name}_bucket{${inner}${sep}le="+Inf"} ${h.count}`);
        out.push(`${name}_sum${l} ${h.sum}`, `${name}_count${l} ${h.count}`);
      }
    }
    for (const [name, { read, type }] of this.#gauges) {
      out.push(`# HELP ${name} ${this.#help.get(name)}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of await read()) out.push(`${name}${labelText(labels)} ${v}`);
    }
    return out.join("\n") + "\n";
  }
}

/** One error answered to a client, as the console's recent-errors view shows it. */
export type RecentError = RecentErrorResp;

/** The last errors answered by this node, a bounded ring: memory does not grow with traffic. */
export class RecentErrors {
  readonly #ring: RecentError[] = [];

  constructor(readonly max = 100) {}

  add(e: RecentError): void {
    this.#ring.push(e);
    if (this.#ring.length > this.max) this.#ring.shift();
  }

  list(): RecentError[] {
    return [...this.#ring];
  }
}
