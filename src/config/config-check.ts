import type { ConfigReport } from 'tower-auth';
import { serviceConfigReport } from './process-config.js';

const HEADER = ['KEY', 'ENV', 'VALUE', 'SOURCE'] as const;
const NOT_SET = '(not set)';

/** The effective configuration as an aligned table, then warnings and errors. */
export function formatConfigReport(report: ConfigReport): string {
  const rows = report.entries.map((e) => [e.key, e.env ?? '-', e.value || NOT_SET, e.source]);
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const lines = [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  if (report.warnings.length === 0 && report.errors.length === 0) {
    lines.push('No problems found.');
  }
  lines.push(...section('Warnings:', report.warnings), ...section('Errors:', report.errors));
  return lines.join('\n').trimEnd();
}

function section(title: string, items: readonly string[]): string[] {
  return items.length === 0 ? [] : [title, ...items.map((item) => `  - ${item}`), ''];
}

/**
 * `config check`: prints the effective configuration and returns the exit code (1 on errors).
 * It shows what the service would do at boot, including a development secret, without writing.
 */
export function runConfigCheck(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  out: (s: string) => void,
): number {
  const report = serviceConfigReport(env, cwd, false);
  out(formatConfigReport(report));
  return report.errors.length > 0 ? 1 : 0;
}
