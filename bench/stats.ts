/** Latency samples in milliseconds; percentiles by the nearest-rank method. */
export function percentileMs(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1]!;
}

export interface RunFigures {
  pairs: number;
  refused: number;
  durationMs: number;
  latenciesMs: number[];
}

export interface Summary {
  pairsPerS: number;
  p50Ms: number;
  p99Ms: number;
  refused: number;
}

export function summarize(run: RunFigures): Summary {
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  return {
    pairsPerS: run.pairs / (run.durationMs / 1000),
    p50Ms: percentileMs(sorted, 50),
    p99Ms: percentileMs(sorted, 99),
    refused: run.refused,
  };
}

/** A plain-text table, columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-\d.,×x]+$|^—$/.test(r[i]!)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = header.map((_, i) => rows.every((r) => /^[-\d.,×x]+$|^—$/.test(r[i]!)));
  return [
    `| ${header.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '—';
export const grouped = (value: number): string => Math.round(value).toLocaleString('en-US');
