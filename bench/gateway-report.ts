/** Figures and tables of `npm run bench:gateway`. */
import { readFileSync } from 'node:fs';
import type { LoadRun } from './gateway-load.ts';

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Row {
  target: string;
  upstream: string;
  stream: boolean;
  concurrency: number;
  requestsPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  firstByteP50Ms: number;
  /** CPU time of the gateway's own process per request; NaN for direct. */
  cpuUsPerRequest: number;
  failed: number;
  firstFailure: string | null;
  /** Share of the machine's CPU time the hypervisor gave to others during the window (%), NaN if unknown. */
  stealPct: number;
  /** With several rounds: each round's steal, in order. */
  stealPcts?: number[];
}

export function toRow(
  scenario: Pick<Row, 'target' | 'upstream' | 'stream' | 'concurrency'>,
  run: LoadRun,
  cpuUs: number,
  stealPct = Number.NaN,
): Row {
  const latencies = [...run.latenciesMs].sort((a, b) => a - b);
  const firstBytes = [...run.firstByteMs].sort((a, b) => a - b);
  return {
    ...scenario,
    requestsPerS: run.requests / (run.durationMs / 1000),
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    firstByteP50Ms: percentile(firstBytes, 50),
    cpuUsPerRequest: cpuUs / run.requests,
    failed: run.non2xx + run.errors + run.incomplete,
    firstFailure: run.firstFailure,
    stealPct,
  };
}

export const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '—';
const signed = (value: number, digits: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '—';
const grouped = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';

export function directOf(rows: readonly Row[], row: Row): Row | undefined {
  return rows.find(
    (r) =>
      r.target === 'direct' &&
      r.upstream === row.upstream &&
      r.stream === row.stream &&
      r.concurrency === row.concurrency,
  );
}

export const HEADER = [
  'target',
  'upstream',
  'stream',
  'conc',
  'req/s',
  '× direct',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  '+p50 ms',
  '+p99 ms',
  'TTFB p50',
  '+TTFB',
  'CPU µs/req',
  'failed',
  'steal %',
];

export function cells(rows: readonly Row[]): string[][] {
  return rows.map((row) => {
    const direct = directOf(rows, row);
    const isDirect = row.target === 'direct';
    return [
      row.target,
      row.upstream,
      row.stream ? 'yes' : 'no',
      String(row.concurrency),
      grouped(row.requestsPerS),
      isDirect || !direct ? '—' : fixed(row.requestsPerS / direct.requestsPerS, 2),
      fixed(row.p50Ms, 2),
      fixed(row.p90Ms, 2),
      fixed(row.p99Ms, 2),
      isDirect || !direct ? '—' : signed(row.p50Ms - direct.p50Ms, 2),
      isDirect || !direct ? '—' : signed(row.p99Ms - direct.p99Ms, 2),
      row.stream ? fixed(row.firstByteP50Ms, 2) : '—',
      row.stream && !isDirect && direct ? signed(row.firstByteP50Ms - direct.firstByteP50Ms, 2) : '—',
      isDirect ? '—' : grouped(row.cpuUsPerRequest),
      String(row.failed),
      row.stealPcts ? row.stealPcts.map((p) => fixed(p, 0)).join('/') : fixed(row.stealPct, 0),
    ];
  });
}

const isNumeric = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  header.map((_, i) => rows.every((r) => /^[-+\d.,]+$|^—$/.test(r[i]!)));

/** A plain-text table, columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = isNumeric(header, rows);
  const line = (row: readonly string[]) =>
    row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = isNumeric(header, rows);
  return [
    `| ${header.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  /** null: not judged (the peer failed its requests). */
  met: boolean | null;
}

/** The goals, judged on the rows of one run. */
export function goals(rows: readonly Row[]): Goal[] {
  const out: Goal[] = [];
  const tollgates = [...new Set(rows.map((r) => r.target).filter((t) => t.startsWith('tollgate')))];
  const find = (target: string, upstream: string, stream: boolean, concurrency: number) =>
    rows.find(
      (r) =>
        r.target === target &&
        r.upstream === upstream &&
        r.stream === stream &&
        r.concurrency === concurrency,
    );
  for (const target of tollgates) {
    for (const stream of [false, true]) {
      const kind = stream ? 'stream' : 'non-stream';
      const busy = find(target, 'instant', stream, 64);
      const peer = find('portkey', 'instant', stream, 64);
      if (busy) {
        out.push({
          goal: `CPU ≤ 200 µs/req (instant, c=64, ${kind})`,
          target,
          measured: `${grouped(busy.cpuUsPerRequest)} µs`,
          met: busy.cpuUsPerRequest <= 200,
        });
        if (peer && peer.failed > 0) {
          out.push({
            goal: `≥ 6× leaner than Portkey (instant, c=64, ${kind})`,
            target,
            measured: `n/a: Portkey failed ${peer.failed} requests (${peer.firstFailure})`,
            met: null,
          });
        } else if (peer) {
          const ratio = peer.cpuUsPerRequest / busy.cpuUsPerRequest;
          out.push({
            goal: `≥ 6× leaner than Portkey (instant, c=64, ${kind})`,
            target,
            measured: `${fixed(ratio, 1)}× (Portkey ${grouped(peer.cpuUsPerRequest)} µs)`,
            met: ratio >= 6,
          });
        }
      }
      const single = find(target, 'instant', stream, 1);
      const singleDirect = single && directOf(rows, single);
      if (single && singleDirect) {
        const added = single.p50Ms - singleDirect.p50Ms;
        out.push({
          goal: `≤ +0.3 ms p50 (instant, c=1, ${kind})`,
          target,
          measured: `${signed(added, 2)} ms`,
          met: added <= 0.3,
        });
      }
      const real = find(target, '50 ms', stream, 64);
      const realDirect = real && directOf(rows, real);
      if (real && realDirect) {
        const ratio = real.requestsPerS / realDirect.requestsPerS;
        const p50 = real.p50Ms - realDirect.p50Ms;
        const p99 = real.p99Ms - realDirect.p99Ms;
        out.push({
          goal: `≥ 0.95× direct req/s (50 ms, c=64, ${kind})`,
          target,
          measured: `${fixed(ratio, 3)}×`,
          met: ratio >= 0.95,
        });
        out.push({
          goal: `≤ +2 ms p50 (50 ms, c=64, ${kind})`,
          target,
          measured: `${signed(p50, 2)} ms`,
          met: p50 <= 2,
        });
        out.push({
          goal: `≤ +10 ms p99 (50 ms, c=64, ${kind})`,
          target,
          measured: `${signed(p99, 2)} ms`,
          met: p99 <= 10,
        });
      }
    }
    for (const row of rows.filter((r) => r.target === target && r.stream)) {
      const direct = directOf(rows, row);
      if (!direct) continue;
      const added = row.firstByteP50Ms - direct.firstByteP50Ms;
      out.push({
        goal: `first byte ≤ +1 ms p50 (${row.upstream}, c=${row.concurrency})`,
        target,
        measured: `${signed(added, 2)} ms`,
        met: added <= 1,
      });
    }
  }
  return out;
}

/** The machine's CPU counters (jiffies) from /proc/stat; null where there is none (not Linux). */
export function cpuCounters(): { steal: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Steal between two readings, as a share of all CPU time (%). */
export function stealShare(
  before: ReturnType<typeof cpuCounters>,
  after: ReturnType<typeof cpuCounters>,
): number {
  if (!before || !after || after.total === before.total) return Number.NaN;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}

const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * One row per scenario and target: the median of each figure over the rounds (failures summed).
 * Rows of one round only are returned as they are.
 */
export function medianRows(rows: readonly Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.target}|${row.upstream}|${row.stream}|${row.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const of = (pick: (r: Row) => number) => median(group.map(pick));
    return {
      ...group[0]!,
      requestsPerS: of((r) => r.requestsPerS),
      p50Ms: of((r) => r.p50Ms),
      p90Ms: of((r) => r.p90Ms),
      p99Ms: of((r) => r.p99Ms),
      firstByteP50Ms: of((r) => r.firstByteP50Ms),
      cpuUsPerRequest: of((r) => r.cpuUsPerRequest),
      failed: group.reduce((n, r) => n + r.failed, 0),
      firstFailure: group.find((r) => r.firstFailure)?.firstFailure ?? null,
      stealPct: of((r) => r.stealPct),
      stealPcts: group.map((r) => r.stealPct),
    };
  });
}
