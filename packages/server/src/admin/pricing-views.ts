import type { adminRoutes, RouteInput, RouteResponse } from '@tollgate/contract';
import type { Micros, PricePlan } from '@tollgate/domain';
import {
  type OutcomeRow,
  type PlanRow,
  type PricingStore,
  pricingStore,
  type Store,
} from '@tollgate/storage';
import { instantJson, moneyJson } from '../http/json-values.ts';

export type PlanJson = RouteResponse<typeof adminRoutes.getPlan>;
export type OutcomeJson = RouteResponse<typeof adminRoutes.createOutcome>;
type CreatePlanBody = RouteInput<typeof adminRoutes.createPlan>['body'];

const pricingStores = new WeakMap<Store, PricingStore>();

/** The store's pricing tables, opened on first use (like gatewayData). */
export function pricingData(store: Store): PricingStore {
  let data = pricingStores.get(store);
  if (!data) {
    data = pricingStore(store);
    pricingStores.set(store, data);
  }
  return data;
}

const moneyOrNull = (micros: Micros | null): number | null => (micros === null ? null : moneyJson(micros));
const moneyTable = (table: Readonly<Record<string, Micros>>): Record<string, number> =>
  Object.fromEntries(Object.entries(table).map(([name, price]) => [name, moneyJson(price)]));

/** A validated `POST /plans` body → the domain plan (integers only, nothing left implicit). */
export function planFromBody(id: string, body: CreatePlanBody): PricePlan {
  return {
    id,
    name: body.name ?? null,
    markupBps: body.markup_bps,
    modelPrices: body.model_prices.map((p) => ({
      provider: p.provider ?? null,
      model: p.model,
      input: p.input,
      output: p.output,
      cachedInput: p.cached_input ?? null,
      perRequest: p.per_request,
    })),
    minimumCharge: body.minimum_charge,
    freeAllowance: body.free_allowance ?? null,
    cachedHitBps: body.cached_hit_bps ?? null,
    units: body.units,
    session: body.session
      ? {
          mode: body.session.mode,
          actionPrice: body.session.action_price ?? null,
          costCap: body.session.cost_cap ?? null,
        }
      : null,
    outcomes: body.outcomes,
  };
}

export function planJson({ plan, isDefault, createdAt }: PlanRow): PlanJson {
  return {
    id: plan.id,
    object: 'plan',
    name: plan.name,
    is_default: isDefault,
    markup_bps: plan.markupBps,
    model_prices: plan.modelPrices.map((p) => ({
      provider: p.provider,
      model: p.model,
      input: moneyJson(p.input),
      output: moneyJson(p.output),
      cached_input: moneyOrNull(p.cachedInput),
      per_request: moneyJson(p.perRequest),
    })),
    minimum_charge: moneyJson(plan.minimumCharge),
    free_allowance: plan.freeAllowance && {
      amount: moneyJson(plan.freeAllowance.amount),
      period: plan.freeAllowance.period,
    },
    cached_hit_bps: plan.cachedHitBps,
    units: moneyTable(plan.units),
    session: plan.session && {
      mode: plan.session.mode,
      action_price: moneyOrNull(plan.session.actionPrice),
      cost_cap: moneyOrNull(plan.session.costCap),
    },
    outcomes: moneyTable(plan.outcomes),
    created_at: instantJson(createdAt),
  };
}

export function outcomeJson(outcome: OutcomeRow): OutcomeJson {
  return {
    id: outcome.id,
    object: 'outcome',
    customer_id: outcome.customerId,
    type: outcome.type,
    session_id: outcome.sessionId,
    trace_id: outcome.traceId,
    price: moneyJson(outcome.price),
    transaction_id: outcome.transactionId,
    created_at: instantJson(outcome.createdAt),
  };
}
