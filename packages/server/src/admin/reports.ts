import { adminRoutes, type RouteResponse } from '@tollgate/contract';
import { divRoundHalfUp, type UsageDimension } from '@tollgate/domain';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, moneyJson } from '../http/json-values.ts';
import type { AdminDeps } from './deps.ts';
import { meteringData, usageRange } from './usage.ts';

type MarginReport = RouteResponse<typeof adminRoutes.getMarginReport>;
type MarginRow = MarginReport['data'][number];

/** margin / price in basis points, rounded half-up once; null when nothing was charged. */
function marginBps(margin: bigint, price: bigint): number | null {
  return price === 0n ? null : Number(divRoundHalfUp(margin * 10_000n, price));
}

function row(
  group: string | null,
  moneyUnit: string | null,
  requests: bigint,
  cost: bigint,
  price: bigint,
): MarginRow {
  return {
    group,
    money_unit: moneyUnit,
    requests: Number(requests),
    cost: moneyJson(cost),
    price: moneyJson(price),
    margin: moneyJson(price - cost),
    margin_bps: marginBps(price - cost, price),
  };
}

/**
 * `GET /reports/margin`: which feature (model, customer…) loses money, losses first; with
 * group_by=outcome, what each outcome type cost and earned, and its cost per success.
 */
export function reportRoutes(app: Hono, { store }: AdminDeps): void {
  bindRoute(app, adminRoutes.getMarginReport, async ({ query }) => {
    const { fromMs, toMs } = usageRange(query, Date.now());
    const head = {
      object: 'margin_report' as const,
      from: instantJson(fromMs),
      to: instantJson(toMs),
      group_by: query.group_by,
    };
    const metering = meteringData(store);
    if (query.group_by === 'outcome') {
      const outcomes = await metering.outcomeMargin({ fromMs, toMs, customerId: query.customer_id });
      const data = outcomes.map((o) => ({
        ...row(o.type, o.moneyUnit, o.requests, o.cost, o.outcomePrice + o.price),
        outcomes: Number(o.outcomes),
        cost_per_success: o.outcomes === 0n ? null : moneyJson(divRoundHalfUp(o.cost, o.outcomes)),
      }));
      data.sort((a, b) => a.margin - b.margin || ((a.group ?? '') < (b.group ?? '') ? -1 : 1));
      return { body: { ...head, data: data.slice(0, query.limit), truncated: data.length > query.limit } };
    }
    const dimension = query.group_by as UsageDimension;
    const result = await metering.query({
      fromMs,
      toMs,
      granularity: null,
      timeZone: 'UTC',
      groupBy: [dimension],
      filters: query.customer_id === undefined ? {} : { customer: query.customer_id },
      orderBy: 'margin',
      groupsMax: query.limit,
    });
    const data = result.rows.map((r) =>
      row(r.group[dimension] ?? null, r.moneyUnit, r.totals.requests, r.totals.cost, r.totals.price),
    );
    return { body: { ...head, data, truncated: result.truncated } };
  });
}
