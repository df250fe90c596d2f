import { budgetStore, type Store } from '@tollgate/storage';
import { budgetUsage } from '../admin/budgets.ts';
import type { BudgetSource } from './sources.ts';

/**
 * Budgets as the alert engine reads them: what counts against the budget (captured spend plus
 * open holds, as the hard cap counts it) in its current period.
 */
export function storeBudgetSource(store: Store): BudgetSource {
  return {
    async budgetUsage(budgetId, now) {
      const budget = await budgetStore(store).getBudget(budgetId);
      if (!budget || budget.archivedAt !== null) return undefined;
      const usage = await budgetUsage(store, budget, now);
      return {
        budgetId,
        customerId: budget.customerId,
        unit: null,
        amount: budget.amount,
        spent: usage.spent + usage.pending,
        // A rolling hour has no period of its own: its alerts fire at most once per clock hour.
        periodKey: `${budget.period}:${budget.period === 'hour' ? usage.window.periodKey.slice(0, 13) : usage.window.periodKey}`,
      };
    },
  };
}
