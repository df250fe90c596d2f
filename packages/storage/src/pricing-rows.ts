import type { AllowancePeriod, ModelPrice, PricePlan } from '@tollgate/domain';
import type { OutcomeRow, PlanRow, SessionTotals } from './pricing-store.ts';
import { big, num, numOrNull, type Row, strOrNull } from './rows.ts';

/**
 * A plan's definition as stored (the JSON of the `definition` column): snake_case, money as
 * decimal strings so that it reads back exactly into bigints on both dialects.
 */
interface Definition {
  markup_bps: number;
  model_prices: {
    provider: string | null;
    model: string;
    input: string;
    output: string;
    cached_input: string | null;
    per_request: string;
  }[];
  minimum_charge: string;
  free_allowance: { amount: string; period: AllowancePeriod } | null;
  cached_hit_bps: number | null;
  units: Record<string, string>;
  session: { mode: 'per_event' | 'per_action'; action_price: string | null; cost_cap: string | null } | null;
  outcomes: Record<string, string>;
}

const text = (value: bigint | null): string | null => (value === null ? null : value.toString());
const bigOrNull = (value: string | null): bigint | null => (value === null ? null : BigInt(value));
const mapValues = <A, B>(record: Readonly<Record<string, A>>, f: (value: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));

export function planDefinition(plan: PricePlan): string {
  const definition: Definition = {
    markup_bps: plan.markupBps,
    model_prices: plan.modelPrices.map((p) => ({
      provider: p.provider,
      model: p.model,
      input: p.input.toString(),
      output: p.output.toString(),
      cached_input: text(p.cachedInput),
      per_request: p.perRequest.toString(),
    })),
    minimum_charge: plan.minimumCharge.toString(),
    free_allowance: plan.freeAllowance && {
      amount: plan.freeAllowance.amount.toString(),
      period: plan.freeAllowance.period,
    },
    cached_hit_bps: plan.cachedHitBps,
    units: mapValues(plan.units, (v) => v.toString()),
    session: plan.session && {
      mode: plan.session.mode,
      action_price: text(plan.session.actionPrice),
      cost_cap: text(plan.session.costCap),
    },
    outcomes: mapValues(plan.outcomes, (v) => v.toString()),
  };
  return JSON.stringify(definition);
}

const toModelPrice = (p: Definition['model_prices'][number]): ModelPrice => ({
  provider: p.provider,
  model: p.model,
  input: BigInt(p.input),
  output: BigInt(p.output),
  cachedInput: bigOrNull(p.cached_input),
  perRequest: BigInt(p.per_request),
});

export function toPlanRow(r: Row): PlanRow {
  const d = JSON.parse(String(r.definition)) as Definition;
  return {
    plan: {
      id: String(r.id),
      name: strOrNull(r.name),
      markupBps: d.markup_bps,
      modelPrices: d.model_prices.map(toModelPrice),
      minimumCharge: BigInt(d.minimum_charge),
      freeAllowance: d.free_allowance && {
        amount: BigInt(d.free_allowance.amount),
        period: d.free_allowance.period,
      },
      cachedHitBps: d.cached_hit_bps,
      units: mapValues(d.units, BigInt),
      session: d.session && {
        mode: d.session.mode,
        actionPrice: bigOrNull(d.session.action_price),
        costCap: bigOrNull(d.session.cost_cap),
      },
      outcomes: mapValues(d.outcomes, BigInt),
    },
    isDefault: num(r.is_default) === 1,
    createdAt: num(r.created_at),
  };
}

export const OUTCOME_COLUMNS = [
  'id',
  'customer_id',
  'type',
  'session_id',
  'trace_id',
  'price',
  'transaction_id',
  'idempotency_key',
  'created_at',
] as const;

export const outcomeValues = (o: OutcomeRow): unknown[] => [
  o.id,
  o.customerId,
  o.type,
  o.sessionId,
  o.traceId,
  o.price,
  o.transactionId,
  o.idempotencyKey,
  o.createdAt,
];

export const toOutcome = (r: Row): OutcomeRow => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  type: String(r.type),
  sessionId: strOrNull(r.session_id),
  traceId: strOrNull(r.trace_id),
  price: big(r.price),
  transactionId: strOrNull(r.transaction_id),
  idempotencyKey: strOrNull(r.idempotency_key),
  createdAt: num(r.created_at),
});

export const toSessionTotals = (r: Row): SessionTotals => ({
  requests: num(r.requests),
  cost: big(r.cost),
  price: big(r.price),
  startedAt: numOrNull(r.started_at),
  endedAt: numOrNull(r.ended_at),
});

/** Shared SQL (both dialects; `?` placeholders are renumbered for PostgreSQL). */
export const PRICING_SQL = {
  planForCustomer: `SELECT p.* FROM price_plans p WHERE p.id = (SELECT plan_id FROM customer_plans WHERE customer_id = ?)
    UNION ALL SELECT p.* FROM price_plans p WHERE p.is_default = 1
      AND NOT EXISTS (SELECT 1 FROM customer_plans WHERE customer_id = ?)`,
  // Charges made apart from calls (value units, actions, outcomes) are metered as provider
  // `tollgate`: they add to cost and price, not to the calls.
  sessionTotals: `SELECT COALESCE(SUM(CASE WHEN provider <> 'tollgate' THEN 1 ELSE 0 END), 0) AS requests, COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM(price), 0) AS price,
    MIN(created_at) AS started_at, MAX(created_at) AS ended_at
    FROM usage_events WHERE session_id = ? AND customer_id = ?`,
  listOutcomes: 'SELECT * FROM outcomes WHERE session_id = ? AND customer_id = ? ORDER BY created_at, id',
  outcomeByKey: 'SELECT * FROM outcomes WHERE customer_id = ? AND idempotency_key = ?',
} as const;
