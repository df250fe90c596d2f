import { adminRoutes, parseInput, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { BUCKETS_MAX, bucketStarts, type UsageQuery, type UsageRow, zonedIso } from '@tollgate/domain';
import { type MeteringStore, meteringStore, type Store } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError, inputError } from '../errors.ts';
import { instantJson, moneyJson } from '../http/json-values.ts';
import type { AdminDeps } from './deps.ts';
import { usageCsv } from './usage-csv.ts';

export type UsageJson = RouteResponse<typeof adminRoutes.queryUsage>;
export type UsageRowJson = UsageJson['data'][number];
type UsageInput = NonNullable<RouteInput<typeof adminRoutes.queryUsage>['query']>;

/** The default range of a usage query or report when `from` is absent: the last 30 days. */
export const USAGE_RANGE_DEFAULT_MS = 30 * 86_400_000;

const meteringStores = new WeakMap<Store, MeteringStore>();

/** The store's metering queries, opened on first use. */
export function meteringData(store: Store): MeteringStore {
  let data = meteringStores.get(store);
  if (!data) {
    data = meteringStore(store);
    meteringStores.set(store, data);
  }
  return data;
}

/** [from, to) of a query, defaults applied; from must come before to. */
export function usageRange(
  input: { from?: number; to?: number },
  nowMs: number,
): { fromMs: number; toMs: number } {
  const toMs = input.to ?? nowMs;
  const fromMs = input.from ?? toMs - USAGE_RANGE_DEFAULT_MS;
  if (fromMs >= toMs)
    throw new ApiError('parameter_invalid', 'from must be before to (the range is [from, to))', 'from');
  return { fromMs, toMs };
}

function toQuery(input: UsageInput, nowMs: number): UsageQuery {
  const { fromMs, toMs } = usageRange(input, nowMs);
  const granularity = input.granularity ?? null;
  if (granularity && bucketStarts(fromMs, toMs, granularity, input.tz) === null)
    throw new ApiError(
      'parameter_invalid',
      `granularity gives more than ${BUCKETS_MAX} buckets over that range; pick a coarser one or a shorter range`,
      'granularity',
    );
  if (input.amounts === 'decimal' && input.format !== 'csv')
    throw new ApiError(
      'parameter_invalid',
      'amounts=decimal applies to format=csv only; JSON amounts are integer micros',
      'amounts',
    );
  return {
    fromMs,
    toMs,
    granularity,
    timeZone: input.tz,
    groupBy: input.group_by ?? [],
    filters: {
      customer: input.customer_id,
      team: input.team_id,
      user: input.user_id,
      feature: input.feature,
      model: input.model,
      provider: input.provider,
      unit: input.unit,
      session: input.session_id,
    },
    orderBy: input.order_by,
    groupsMax: input.limit,
  };
}

/** Absent filters are dropped, so a rollup can answer a query that names none of its columns. */
function definedFilters(query: UsageQuery): UsageQuery {
  const filters = Object.fromEntries(Object.entries(query.filters).filter(([, v]) => v !== undefined));
  return { ...query, filters };
}

export function usageRowJson(row: UsageRow, query: UsageQuery): UsageRowJson {
  const t = row.totals;
  const json: UsageRowJson = {
    money_unit: row.moneyUnit,
    requests: Number(t.requests),
    input_tokens: Number(t.inputTokens),
    output_tokens: Number(t.outputTokens),
    cached_input_tokens: Number(t.cachedInputTokens),
    cache_creation_input_tokens: Number(t.cacheCreationInputTokens),
    reasoning_tokens: Number(t.reasoningTokens),
    cost: moneyJson(t.cost),
    price: moneyJson(t.price),
    margin: moneyJson(t.price - t.cost),
    cache_hits: Number(t.cacheHits),
    cache_savings: moneyJson(t.cacheSavings),
    estimated_requests: Number(t.estimatedRequests),
  };
  if (row.bucketMs !== null) json.bucket = zonedIso(row.bucketMs, query.timeZone);
  if (query.groupBy.length > 0) json.group = row.group;
  return json;
}

/**
 * `GET /usage`: totals or a series in the caller's time zone, as JSON or as a CSV attachment.
 * Not bound with bindRoute, which answers JSON only; it validates with the same schema.
 */
export function usageRoutes(app: Hono, { store }: AdminDeps): void {
  app.get(adminRoutes.queryUsage.path, async (c) => {
    const parsed = parseInput(adminRoutes.queryUsage.query, c.req.query());
    if (!parsed.ok) throw inputError(parsed.problem);
    const input = parsed.data;
    const query = definedFilters(toQuery(input, Date.now()));
    const result = await meteringData(store).query(query);
    const data = result.rows.map((row) => usageRowJson(row, query));
    if (input.format === 'csv') {
      const csv = usageCsv(data, {
        bucket: query.granularity !== null,
        groupBy: query.groupBy,
        decimal: input.amounts === 'decimal',
      });
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="usage-${instantJson(query.fromMs).slice(0, 10)}-${instantJson(query.toMs).slice(0, 10)}.csv"`,
      });
    }
    const body: UsageJson = {
      object: 'usage',
      from: instantJson(query.fromMs),
      to: instantJson(query.toMs),
      granularity: query.granularity,
      tz: query.timeZone,
      group_by: query.groupBy,
      data,
      truncated: result.truncated,
    };
    return c.json(body, 200);
  });
}
