/**
 * Sources the alert engine reads that other parts of Tollgate own. A rule whose source is absent
 * is accepted and stored, and skipped by the engine until the process is given one.
 */

/** A budget's use in its current period (budgets count captured spend plus open holds). */
export interface BudgetUsage {
  budgetId: string;
  customerId: string | null;
  unit: string | null;
  amount: bigint;
  spent: bigint;
  /** The budget's current period, e.g. `month:2030-01`: a rule fires once per period. */
  periodKey: string;
}

export interface BudgetSource {
  budgetUsage(budgetId: string, now: number): Promise<BudgetUsage | undefined>;
}

/** Calls refused with 402 (credits) or 429 (rate limit, budget) in a window, per customer. */
export interface RefusalSource {
  countRefusals(
    from: number,
    to: number,
    customerId: string | null,
  ): Promise<{ customerId: string; count: number }[]>;
}
