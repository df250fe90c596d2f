import type { Micros } from '../money.ts';
import { cachedHitPrice } from './cached-hit.ts';
import { type Exact, exactOf, roundExact } from './exact.ts';
import { markupPrice } from './markup.ts';
import { withMinimumCharge } from './minimum-charge.ts';
import { findModelPrice, modelPrice } from './model-price.ts';
import { isOutcomePlan, ownPrice, type PlanCall, type PricePlan } from './price-plan.ts';

export interface PriceBreakdown {
  /** What the price starts from: the unit's flat price, the plan's model price, or cost × markup. */
  basis: 'unit' | 'model_price' | 'markup';
  /** The price before its one rounding (after the cache-hit discount). */
  exact: Exact;
  cachedHit: boolean;
  /** Calls of outcome plans and per-action sessions are costed, not charged. */
  zeroedBy: 'outcome' | 'per_action' | null;
  minimumApplied: boolean;
}

function basePrice(plan: PricePlan, call: PlanCall): { basis: PriceBreakdown['basis']; exact: Exact } {
  const unit = call.valueUnit === null ? null : ownPrice(plan.units, call.valueUnit);
  if (unit !== null) return { basis: 'unit', exact: exactOf(unit) };
  const price = findModelPrice(plan.modelPrices, call.provider, call.model);
  if (price) return { basis: 'model_price', exact: modelPrice(price, call) };
  return { basis: 'markup', exact: markupPrice(call.cost, plan.markupBps) };
}

function zeroedBy(plan: PricePlan, call: PlanCall): PriceBreakdown['zeroedBy'] {
  if (isOutcomePlan(plan)) return 'outcome';
  if (plan.session?.mode === 'per_action' && call.sessionId !== null) return 'per_action';
  return null;
}

/**
 * The price of one call under a plan, in this order:
 * 1. the base: the flat price of the call's value unit, if the plan prices that unit; else the
 *    plan's price for the model; else cost × (1 + markup);
 * 2. a cache hit pays `cachedHitBps` of that;
 * 3. rounded ONCE, half-up;
 * 4. 0 on an outcome plan, or in a per-action session (the action is charged apart);
 * 5. any other call pays at least the minimum charge.
 *
 * @example
 * priceCall({ ...PASS_THROUGH_PLAN, markupBps: 2500 }, call).price; // cost 1001 → 1251 (1251.25)
 */
export function priceCall(plan: PricePlan, call: PlanCall): { price: Micros; breakdown: PriceBreakdown } {
  const base = basePrice(plan, call);
  const discounted = cachedHitPrice(plan, call, base.exact);
  const exact = discounted ?? base.exact;
  const zero = zeroedBy(plan, call);
  const rounded = zero === null ? roundExact(exact) : 0n;
  const price = zero === null ? withMinimumCharge(rounded, plan.minimumCharge) : 0n;
  return {
    price,
    breakdown: {
      basis: base.basis,
      exact,
      cachedHit: discounted !== null,
      zeroedBy: zero,
      minimumApplied: price !== rounded,
    },
  };
}

/**
 * The most a call can be charged, for its hold: the call at its maximum usage as a cache miss
 * (a hit only lowers the price; plan cache-read prices are never above input prices).
 *
 * @example
 * maxPriceCall(plan, { ...call, usage: maxUsage, cost: maxCost });
 */
export function maxPriceCall(plan: PricePlan, call: PlanCall): Micros {
  return priceCall(plan, { ...call, cacheStatus: 'miss' }).price;
}
