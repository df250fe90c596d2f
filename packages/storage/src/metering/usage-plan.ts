import {
  type PartialRow,
  TOTAL_FIELDS,
  type UsageDimension,
  type UsageGroupKey,
  type UsageQuery,
  type UsageTotals,
} from '@tollgate/domain';
import { big, type Row } from '../rows.ts';
import type { Dialect } from '../store.ts';
import { DAY_MS, EVENT_SUMS, HOUR_MS, ROLLUPS, type Rollup, SUM_COLUMNS } from './rollups.ts';

const COLUMN: Record<UsageDimension, string> = {
  customer: 'customer_id',
  team: 'team_id',
  user: 'user_id',
  feature: 'feature',
  model: 'model',
  provider: 'provider',
  unit: 'value_unit',
  session: 'session_id',
};

/** Tag keys are inlined in SQL as a JSON path: only these characters are accepted (by the contract too). */
export const TAG_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface Statement {
  sql: string;
  params: unknown[];
}

/** A statement and where it reads (a rollup table or the raw events), for tests and the bench. */
export interface UsagePlan {
  source: string;
  statements: Statement[];
}

function tagExpression(dialect: Dialect, key: string): string {
  if (!TAG_KEY.test(key)) throw new RangeError(`tag key ${JSON.stringify(key)} is not allowed`);
  // tags is TEXT holding a JSON object (or NULL) in both stores.
  return dialect === 'postgres' ? `(e.tags::json ->> '${key}')` : `json_extract(e.tags, '$."${key}"')`;
}

const aligned = (values: readonly number[], grain: number) => values.every((v) => v % grain === 0);

class Builder {
  readonly params: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  p(value: unknown, type = ''): string {
    this.params.push(value);
    return this.dialect === 'postgres' ? `$${this.params.length}${type}` : '?';
  }
}

interface Segment {
  /** A rollup table, or null for the raw events. */
  rollup: Rollup | null;
  fromMs: number;
  toMs: number;
  /** The buckets [start, stop) of a series, clipped to the range; null for totals. */
  buckets: [number, number][] | null;
}

function statement(dialect: Dialect, query: UsageQuery, s: Segment): Statement {
  const b = new Builder(dialect);
  const raw = s.rollup === null;
  const column = (d: UsageDimension) => (raw ? `e.${COLUMN[d]}` : `NULLIF(e.${COLUMN[d]}, '')`);
  const groups = query.groupBy.map((g) =>
    g.startsWith('tag:') ? tagExpression(dialect, g.slice(4)) : column(g as UsageDimension),
  );
  const time = raw ? 'e.created_at' : 'e.bucket';
  const sums = SUM_COLUMNS.map((c) => `CAST(SUM(${raw ? EVENT_SUMS[c] : `e.${c}`}) AS BIGINT) AS ${c}`);
  // A series joins a table of its buckets: each bucket is one index range scan on the time
  // column, and the sums come back per bucket already, whatever the time zone.
  const buckets = s.buckets
    ? `WITH b (start, stop) AS (VALUES ${s.buckets.map(([start, stop]) => `(${b.p(start, '::bigint')}, ${b.p(stop, '::bigint')})`).join(', ')}) `
    : '';
  const where = s.buckets
    ? [`${time} >= b.start`, `${time} < b.stop`]
    : [`${time} >= ${b.p(s.fromMs)}`, `${time} < ${b.p(s.toMs)}`];
  for (const [d, value] of Object.entries(query.filters) as [UsageDimension, string | undefined][])
    if (value !== undefined) where.push(`e.${COLUMN[d]} = ${b.p(value)}`);
  const keys = [s.buckets ? 'b.start' : 'NULL', ...groups, 'e.unit'];
  const select = keys.map((k, i) => `${k} AS k${i}`);
  const groupBy = [
    ...(s.buckets ? ['b.start'] : []),
    'e.unit',
    ...(raw ? groups : query.groupBy.map((g) => `e.${COLUMN[g as UsageDimension]}`)),
  ];
  const from = `${s.buckets ? 'b JOIN ' : ''}${s.rollup?.table ?? 'usage_events'} e`;
  const sql = `${buckets}SELECT ${[...select, ...sums].join(', ')} FROM ${from} ${s.buckets ? 'ON' : 'WHERE'} ${where.join(' AND ')} GROUP BY ${groupBy.join(', ')}`;
  return { sql, params: b.params };
}

function needed(query: UsageQuery): string[] | null {
  const filtered = Object.entries(query.filters)
    .filter(([, v]) => v !== undefined)
    .map(([d]) => d as UsageGroupKey);
  const dims = [...query.groupBy, ...filtered];
  if (dims.some((d) => d.startsWith('tag:') || d === 'session')) return null;
  return dims.map((d) => COLUMN[d as UsageDimension]);
}

/** The rollups that hold every column the query reads: coarsest grain, then fewest columns, first. */
function rollupsFor(columns: string[]): Rollup[] {
  return ROLLUPS.filter((r) => columns.every((c) => r.columns.includes(c))).sort(
    (a, b) => b.grainMs - a.grainMs || a.columns.length - b.columns.length,
  );
}

/**
 * A totals range on rollups: whole UTC days from the day table, the hours at either end from the
 * hour table with the same key. Needs hour-aligned ends.
 */
function totalsSegments(candidates: Rollup[], fromMs: number, toMs: number): Segment[] | null {
  if (!aligned([fromMs, toMs], HOUR_MS)) return null;
  const sameKey = (a: Rollup, b: Rollup) => a.columns.join() === b.columns.join();
  const day = candidates.find(
    (d) => d.grainMs === DAY_MS && candidates.some((h) => h.grainMs === HOUR_MS && sameKey(h, d)),
  );
  const hour = day
    ? candidates.find((h) => h.grainMs === HOUR_MS && sameKey(h, day))
    : candidates.find((h) => h.grainMs === HOUR_MS);
  if (!hour) return null;
  const firstDay = Math.ceil(fromMs / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(toMs / DAY_MS) * DAY_MS;
  if (!day || firstDay >= lastDay) return [{ rollup: hour, fromMs, toMs, buckets: null }];
  return [
    { rollup: hour, fromMs, toMs: firstDay, buckets: null },
    { rollup: day, fromMs: firstDay, toMs: lastDay, buckets: null },
    { rollup: hour, fromMs: lastDay, toMs, buckets: null },
  ].filter((s) => s.fromMs < s.toMs);
}

function segments(query: UsageQuery, starts: readonly number[] | null): Segment[] {
  const { fromMs, toMs } = query;
  const columns = needed(query);
  const candidates = columns ? rollupsFor(columns) : [];
  if (starts === null) {
    const fromRollups = totalsSegments(candidates, fromMs, toMs);
    if (fromRollups) return fromRollups;
    return [{ rollup: null, fromMs, toMs, buckets: null }];
  }
  const boundaries = [fromMs, toMs, ...starts.filter((s) => s > fromMs && s < toMs)];
  const buckets = starts.map((start, i): [number, number] => [
    Math.max(start, fromMs),
    Math.min(starts[i + 1] ?? toMs, toMs),
  ]);
  const rollup = candidates.find((r) => aligned(boundaries, r.grainMs)) ?? null;
  return [{ rollup, fromMs, toMs, buckets }];
}

/**
 * How a usage query is answered: from a rollup when it keeps every column the query reads and
 * the query's boundaries fall on its grain, from the raw events otherwise. Each statement
 * returns slices (the start of a bucket or of its part in the range, the group values, the
 * wallet unit, the sums) that foldUsage adds up and ranks.
 */
export function planUsage(dialect: Dialect, query: UsageQuery, starts: readonly number[] | null): UsagePlan {
  const parts = segments(query, starts);
  return {
    source: [...new Set(parts.map((s) => s.rollup?.table ?? 'usage_events'))].join('+'),
    statements: parts.map((s) => statement(dialect, query, s)),
  };
}

const TOTAL_COLUMN = Object.fromEntries(TOTAL_FIELDS.map((f, i) => [f, SUM_COLUMNS[i]!])) as Record<
  keyof UsageTotals,
  (typeof SUM_COLUMNS)[number]
>;

/** A result row of a planned statement as a slice for foldUsage. */
export function toSlice(row: Row, groups: number): PartialRow {
  const totals = {} as UsageTotals;
  for (const field of TOTAL_FIELDS) totals[field] = big(row[TOTAL_COLUMN[field]] ?? 0);
  const group: (string | null)[] = [];
  for (let i = 1; i <= groups; i++) {
    const v = row[`k${i}`];
    group.push(v === null || v === undefined ? null : String(v));
  }
  return {
    timeMs: row.k0 === null || row.k0 === undefined ? null : Number(row.k0),
    group,
    moneyUnit: String(row[`k${groups + 1}`]),
    totals,
  };
}
