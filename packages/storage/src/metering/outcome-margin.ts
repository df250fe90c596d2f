import type { Dialect } from '../store.ts';
import type { Statement } from './usage-plan.ts';

export interface OutcomeMarginQuery {
  fromMs: number;
  toMs: number;
  customerId?: string;
}

/** Per outcome type: how many, the sessions' usage that reached them, and the money involved. */
export interface OutcomeMarginRow {
  type: string;
  outcomes: bigint;
  /** Sum of the outcomes' own prices. */
  outcomePrice: bigint;
  /** The wallet unit of the sessions' events (null when no event is linked). */
  moneyUnit: string | null;
  requests: bigint;
  /** Cost and price of the usage events of the sessions (or traces) that reached the outcome. */
  cost: bigint;
  price: bigint;
}

const place = (dialect: Dialect, n: number) => (dialect === 'postgres' ? `$${n}` : '?');

function scope(dialect: Dialect, q: OutcomeMarginQuery): { where: string; params: unknown[] } {
  const params: unknown[] = [q.fromMs, q.toMs];
  let where = `created_at >= ${place(dialect, 1)} AND created_at < ${place(dialect, 2)}`;
  if (q.customerId !== undefined) {
    params.push(q.customerId);
    where += ` AND customer_id = ${place(dialect, 3)}`;
  }
  return { where, params };
}

/**
 * Statements of the outcome margin report: the outcomes of the range per type, then the usage
 * of the sessions that reached each type (linked by session id, or by trace id for outcomes
 * without a session), each session counted once per type however many outcomes it reached.
 * Events are counted whenever they happened: a session may start before the range does.
 */
export function outcomeMarginStatements(dialect: Dialect, q: OutcomeMarginQuery): Statement[] {
  const { where, params } = scope(dialect, q);
  const spent = (link: 'session_id' | 'trace_id', only: string) => `
SELECT l.type AS type, MIN(e.unit) AS unit, COUNT(*) AS requests, CAST(SUM(e.cost) AS BIGINT) AS cost, CAST(SUM(e.price) AS BIGINT) AS price
FROM (SELECT DISTINCT customer_id, type, ${link} FROM outcomes WHERE ${where} AND ${only}) l
JOIN usage_events e ON e.${link} = l.${link} AND e.customer_id = l.customer_id
GROUP BY l.type`;
  return [
    {
      sql: `SELECT type, COUNT(*) AS outcomes, CAST(SUM(price) AS BIGINT) AS outcome_price FROM outcomes WHERE ${where} GROUP BY type`,
      params,
    },
    { sql: spent('session_id', 'session_id IS NOT NULL'), params },
    { sql: spent('trace_id', 'session_id IS NULL AND trace_id IS NOT NULL'), params },
  ];
}
