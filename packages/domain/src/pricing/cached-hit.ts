import { type Exact, scaleExact } from './exact.ts';
import { BPS_PER_UNIT, type PlanCall, type PricePlan } from './price-plan.ts';

/** A call served from Tollgate's cache costs `cachedHitBps` of its miss price (5000 = half). */
export function cachedHitPrice(plan: PricePlan, call: PlanCall, missPrice: Exact): Exact | null {
  if (call.cacheStatus === 'miss' || plan.cachedHitBps === null) return null;
  return scaleExact(missPrice, BigInt(plan.cachedHitBps), BPS_PER_UNIT);
}
