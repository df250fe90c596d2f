import { bucketIndex } from './time-buckets.ts';
import {
  TOTAL_FIELDS,
  type UsageOrder,
  type UsageQuery,
  type UsageResult,
  type UsageRow,
  type UsageTotals,
  zeroTotals,
} from './usage-query.ts';

/** Sums as a store reads them: keyed by a time key (an hour, a minute…) inside one bucket. */
export interface PartialRow {
  /** Any instant inside the slice the sums cover, or null for a query without granularity. */
  timeMs: number | null;
  group: (string | null)[];
  moneyUnit: string;
  totals: UsageTotals;
}

export function addTotals(into: UsageTotals, more: UsageTotals): void {
  for (const field of TOTAL_FIELDS) into[field] += more[field];
}

function rank(totals: UsageTotals, order: UsageOrder): bigint {
  switch (order) {
    case 'margin':
      return totals.price - totals.cost;
    case 'cost':
      return -totals.cost;
    case 'requests':
      return -totals.requests;
    case 'price':
      return -totals.price;
  }
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const NULL_KEY = '\u0000';

/**
 * Adds slices into the query's buckets, ranks the groups by `orderBy` over the whole range
 * (margin ascending so that losses come first, the rest descending; ties by group key so both
 * stores answer in the same order) and keeps the first `groupsMax` groups with all their buckets.
 */
export function foldUsage(
  query: UsageQuery,
  starts: readonly number[] | null,
  slices: PartialRow[],
): UsageResult {
  const groups = new Map<
    string,
    {
      key: string;
      row: Omit<UsageRow, 'bucketMs' | 'totals'>;
      all: UsageTotals;
      buckets: Map<number | null, UsageTotals>;
    }
  >();
  for (const slice of slices) {
    const key = JSON.stringify([slice.moneyUnit, ...slice.group.map((v) => v ?? NULL_KEY)]);
    let g = groups.get(key);
    if (!g) {
      const group: Record<string, string | null> = {};
      query.groupBy.forEach((name, i) => {
        group[name] = slice.group[i] ?? null;
      });
      g = { key, row: { group, moneyUnit: slice.moneyUnit }, all: zeroTotals(), buckets: new Map() };
      groups.set(key, g);
    }
    addTotals(g.all, slice.totals);
    const bucket = starts && slice.timeMs !== null ? starts[bucketIndex(starts, slice.timeMs)]! : null;
    let totals = g.buckets.get(bucket);
    if (!totals) {
      totals = zeroTotals();
      g.buckets.set(bucket, totals);
    }
    addTotals(totals, slice.totals);
  }
  const ranked = [...groups.values()].sort(
    (a, b) =>
      compare(rank(a.all, query.orderBy), rank(b.all, query.orderBy)) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const kept = ranked.slice(0, query.groupsMax);
  const ordered: { rank: number; row: UsageRow }[] = [];
  kept.forEach((g, rankIndex) => {
    for (const [bucketMs, totals] of g.buckets)
      ordered.push({ rank: rankIndex, row: { bucketMs, ...g.row, totals } });
  });
  // Within the ranking, a series reads in time order: bucket first, then the groups' rank.
  if (starts) ordered.sort((a, b) => a.row.bucketMs! - b.row.bucketMs! || a.rank - b.rank);
  return { rows: ordered.map((o) => o.row), truncated: ranked.length > kept.length };
}
