/**
 * A line chart in SVG, drawn from the data alone (no library): one line per series on a shared
 * time axis starting at zero, with its scale and a legend, and a text summary for screen readers.
 */
import type { Series } from "./usage_model.ts";

const W = 600;
const H = 160;
const PAD = { left: 56, right: 8, top: 8, bottom: 20 };
const COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#0e7490"];

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function LineChart(
  { title, series, format }: { title: string; series: Series[]; format: (v: number) => string },
) {
  const points = series.flatMap((s) => s.points);
  if (points.length < 2) {
    return (
      <figure class="chart">
        <figcaption>{title}</figcaption>
        <p class="hint">
          Not enough samples yet: the node samples its counters every little while.
        </p>
      </figure>
    );
  }
  const t0 = Math.min(...points.map((p) => p[0]));
  const t1 = Math.max(...points.map((p) => p[0]));
  const max = Math.max(...points.map((p) => p[1])) || 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const summary = series.map((s) => {
    const now = s.points.at(-1)?.[1] ?? 0;
    const peak = Math.max(0, ...s.points.map((p) => p[1]));
    return `${s.name}: now ${format(now)}, peak ${format(peak)}`;
  }).join("; ");
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title}, ${clock(t0)} to ${clock(t1)}. ${summary}.`}
      >
        <line class="axis" x1={PAD.left} y1={y(0)} x2={W - PAD.right} y2={y(0)} />
        <line class="axis" x1={PAD.left} y1={y(max)} x2={W - PAD.right} y2={y(max)} />
        <text class="tick" x={PAD.left - 4} y={y(max) + 4} text-anchor="end">{format(max)}</text>
        <text class="tick" x={PAD.left - 4} y={y(0)} text-anchor="end">{format(0)}</text>
        <text class="tick" x={PAD.left} y={H - 4}>{clock(t0)}</text>
        <text class="tick" x={W - PAD.right} y={H - 4} text-anchor="end">{clock(t1)}</text>
        {series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            stroke-width="2"
            points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}
          />
        ))}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.name}>
            <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
