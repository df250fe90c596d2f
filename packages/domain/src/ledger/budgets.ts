import type { Micros } from '../money.ts';
import type { LedgerState } from './state.ts';
import type { BudgetCharge, BudgetUse } from './types.ts';

/**
 * The period key every store keeps per budget as its lock row (never counted): holds on one
 * budget serialize on it, whatever bucket of a rolling window they land in.
 */
export const BUDGET_LOCK_PERIOD_KEY = '';

/**
 * What a budget's window counts now: captured spend plus open holds of its buckets. A rolling
 * window also counts buckets after its own: they exist only if another instance's clock runs
 * ahead, and leaving them out would let a lagging clock admit past the cap.
 */
export function budgetUsed(state: LedgerState, charge: BudgetCharge): Micros {
  const rolling = charge.windowStartKey !== undefined;
  const from = charge.windowStartKey ?? charge.periodKey;
  let used = 0n;
  for (const period of state.budgetPeriods.values()) {
    if (period.budgetId !== charge.budgetId) continue;
    if (period.periodKey < from || (!rolling && period.periodKey !== charge.periodKey)) continue;
    used += period.spent + period.pending;
  }
  return used;
}

export type BudgetAdmission =
  | { ok: true; uses: BudgetUse[] }
  | { ok: false; charge: BudgetCharge; used: Micros };

/**
 * Whether a hold of `amount` fits every hard budget it names. Soft budgets never refuse: they
 * report that they were passed. Checked against spend plus open holds, so calls admitted together
 * can never add up past a hard cap; only a capture above its hold can (see README.md).
 */
export function admitBudgets(
  state: LedgerState,
  charges: readonly BudgetCharge[],
  amount: Micros,
): BudgetAdmission {
  const uses: BudgetUse[] = [];
  for (const charge of charges) {
    if (charge.periodKey === BUDGET_LOCK_PERIOD_KEY || (charge.windowStartKey ?? '') > charge.periodKey) {
      throw new Error(`budget ${charge.budgetId}: bad period key ${JSON.stringify(charge.periodKey)}`);
    }
    const used = budgetUsed(state, charge) + amount;
    const exceeded = used > charge.cap;
    if (exceeded && charge.mode === 'hard') return { ok: false, charge, used: used - amount };
    uses.push({
      budgetId: charge.budgetId,
      periodKey: charge.periodKey,
      mode: charge.mode,
      cap: charge.cap,
      used,
      exceeded,
    });
  }
  return { ok: true, uses };
}
