import type { Micros } from '../money.ts';
import type { PricePlan } from './price-plan.ts';

/**
 * Whether a call may start in a capped session: what the session's calls cost so far plus the
 * most this call can cost must stay within the cap. There is no reset: a capped session is over.
 */
export function sessionCapExceeded(plan: PricePlan, spentCost: Micros, callMaxCost: Micros): boolean {
  const cap = plan.session?.costCap ?? null;
  return cap !== null && spentCost + callMaxCost > cap;
}

/** The price of a per-action session's action, charged once on its first call; null: none. */
export function actionPrice(plan: PricePlan): Micros | null {
  return plan.session?.mode === 'per_action' ? (plan.session.actionPrice ?? 0n) : null;
}

/** The ledger idempotency key of a session's action charge: charged once, on any instance. */
export const actionKey = (customerId: string, sessionId: string): string =>
  `action:${customerId}:${sessionId}`;
