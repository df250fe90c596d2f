import type { Micros } from '../money.ts';

/** Dimensions a usage query can group or filter by. `unit` is the value unit (x-tollgate-unit). */
export const USAGE_DIMENSIONS = [
  'customer',
  'team',
  'user',
  'feature',
  'model',
  'provider',
  'unit',
  'session',
] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** A group key: a dimension, or `tag:KEY` for a free tag. */
export type UsageGroupKey = UsageDimension | `tag:${string}`;

export type Granularity = 'hour' | 'day' | 'month';

/** What groups are ranked by; `margin` ranks ascending (losses first), the others descending. */
export type UsageOrder = 'price' | 'cost' | 'margin' | 'requests';

export type UsageFilters = Partial<Record<UsageDimension, string>>;

/** A validated usage query: the range is [fromMs, toMs), buckets are in `timeZone`. */
export interface UsageQuery {
  fromMs: number;
  toMs: number;
  granularity: Granularity | null;
  timeZone: string;
  groupBy: UsageGroupKey[];
  filters: UsageFilters;
  orderBy: UsageOrder;
  /** The most groups returned (each with all its buckets). */
  groupsMax: number;
}

/** Sums over a set of usage events. Margin is price − cost, derived, never stored. */
export interface UsageTotals {
  requests: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedInputTokens: bigint;
  cacheCreationInputTokens: bigint;
  reasoningTokens: bigint;
  cost: Micros;
  price: Micros;
  cacheHits: bigint;
  cacheSavings: Micros;
  estimatedRequests: bigint;
}

export const TOTAL_FIELDS = [
  'requests',
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheCreationInputTokens',
  'reasoningTokens',
  'cost',
  'price',
  'cacheHits',
  'cacheSavings',
  'estimatedRequests',
] as const satisfies readonly (keyof UsageTotals)[];

export const zeroTotals = (): UsageTotals => ({
  requests: 0n,
  inputTokens: 0n,
  outputTokens: 0n,
  cachedInputTokens: 0n,
  cacheCreationInputTokens: 0n,
  reasoningTokens: 0n,
  cost: 0n,
  price: 0n,
  cacheHits: 0n,
  cacheSavings: 0n,
  estimatedRequests: 0n,
});

/** One answer row: a bucket (or the whole range), a group, the money unit amounts are in. */
export interface UsageRow {
  /** Start of the bucket (ms since the epoch), null when the query has no granularity. */
  bucketMs: number | null;
  group: Record<string, string | null>;
  /** The wallet unit cost and price are in: amounts of different units are never added. */
  moneyUnit: string;
  totals: UsageTotals;
}

export interface UsageResult {
  rows: UsageRow[];
  /** More groups matched than `groupsMax`. */
  truncated: boolean;
}
