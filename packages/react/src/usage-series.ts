import { toUnits } from './format.ts';
import type { UsageRow } from './types.ts';

/** What a chart measures. */
export type UsageMetric = 'price' | 'requests' | 'tokens';

/** Rows pivoted into buckets × groups, ready to stack. */
export interface UsageSeries {
  buckets: string[];
  groups: string[];
  /** values[bucket][group] */
  values: number[][];
  totals: number[];
}

/** Named series shown before the rest is folded into "Other"; matches the CSS colour slots. */
export const SERIES_MAX = 6;
export const OTHER_GROUP = 'Other';
export const UNATTRIBUTED_GROUP = 'Unattributed';

/** A row's value for a metric (price in units, for display). */
export function metricValue(row: UsageRow, metric: UsageMetric): number {
  if (metric === 'requests') return row.requests;
  if (metric === 'tokens') return row.input_tokens + row.output_tokens;
  return toUnits(row.price);
}

/** Pivots rows by bucket and group; the largest groups keep their name, the rest become "Other". */
export function buildSeries(rows: UsageRow[], metric: UsageMetric): UsageSeries {
  const groupTotals = new Map<string, number>();
  for (const row of rows) {
    const group = row.group ?? UNATTRIBUTED_GROUP;
    groupTotals.set(group, (groupTotals.get(group) ?? 0) + metricValue(row, metric));
  }
  const ranked = [...groupTotals.entries()].sort((a, b) => b[1] - a[1]).map(([group]) => group);
  const folds = ranked.length > SERIES_MAX;
  const groups = folds ? [...ranked.slice(0, SERIES_MAX - 1), OTHER_GROUP] : ranked;
  const index = new Map(groups.map((group, i) => [group, i]));

  const buckets = [...new Set(rows.map((row) => row.bucket ?? ''))].sort();
  const bucketIndex = new Map(buckets.map((bucket, i) => [bucket, i]));
  const values = buckets.map(() => groups.map(() => 0));
  for (const row of rows) {
    const b = bucketIndex.get(row.bucket ?? '')!;
    const g = index.get(row.group ?? UNATTRIBUTED_GROUP) ?? groups.length - 1;
    values[b]![g]! += metricValue(row, metric);
  }
  return { buckets, groups, values, totals: values.map((v) => v.reduce((a, b) => a + b, 0)) };
}

/** A round axis maximum at or above the largest value (1, 2, 2.5, 5 × 10^n). */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}
