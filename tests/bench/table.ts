/** The result table: one Markdown row per scenario, each figure next to its reference. */

export interface Row {
  scenario: string;
  remise: string;
  reference: string;
  /** Remise ÷ reference of the headline figure (higher is better unless the row says). */
  ratio?: number;
  target?: string;
}

export interface Report {
  header: string[];
  rows: Row[];
  notes: string[];
}

function ratio(r?: number): string {
  if (r === undefined || !Number.isFinite(r)) return "—";
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}×`;
}

export function render(rep: Report): string {
  const cells = (c: string[]) => `| ${c.join(" | ")} |`;
  const lines = [
    ...rep.header,
    "",
    cells(["scenario", "Remise", "reference", "ratio", "target"]),
    cells(["---", "---:", "---:", "---:", "---"]),
    ...rep.rows.map((r) =>
      cells([r.scenario, r.remise, r.reference, ratio(r.ratio), r.target ?? "—"])
    ),
    "",
    ...rep.notes.map((n) => `- ${n}`),
  ];
  return lines.join("\n") + "\n";
}

/** "met" or "MISSED" after a target, for a quick scan of the table. */
export function verdict(target: string, ok: boolean | undefined): string {
  return ok === undefined ? target : `${target} (${ok ? "met" : "MISSED"})`;
}

/** The target of a row measured against its reference: at least this ratio. */
export function ratioTarget(min: number, ratio: number | undefined): string {
  return verdict(`≥ ${min}× reference`, ratio === undefined ? undefined : ratio >= min);
}
