/** One line of the benchmark table. */
export interface BenchRow {
  readonly benchmark: string;
  readonly result: string;
  readonly detail: string;
}

/** What one benchmark module hands back to the runner. */
export interface BenchReport {
  readonly rows: BenchRow[];
  /** Things that make the figures untrustworthy (failed requests, wrong bodies); empty when clean. */
  readonly problems: string[];
  /** Figures that look disturbed (e.g. rounds far apart); reported, not a failure. */
  readonly warnings?: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number): string {
  return value.toFixed(2);
}

/** A GitHub-flavoured Markdown table, padded so it also reads well in a terminal. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const header: BenchRow = { benchmark: 'Benchmark', result: 'Result', detail: 'Detail' };
  const all = [header, ...rows].map((r) => [r.benchmark, r.result, r.detail].map(escapeCell));
  const widths = [0, 1, 2].map((i) => Math.max(3, ...all.map((cells) => cells[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(all[0]), rule, ...all.slice(1).map(line)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
