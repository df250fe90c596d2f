import { type BudgetCharge, budgetWindow } from '@tollgate/domain';
import type { BudgetRow } from '@tollgate/storage';
import { GatewayError } from './caller-errors.ts';

/** How long an instance trusts its copy of a customer's budgets (as keys): new ones apply within it. */
export const BUDGET_CACHE_TTL_MS = 1_000;
const BUDGET_CACHE_ENTRIES_MAX = 10_000;

/** What a call is, for matching budget scopes. */
export interface BudgetScope {
  customerId: string;
  teamId: string | null;
  userId: string | null;
  feature: string | null;
  sessionId: string | null;
  keyId: string;
  /** The model as the caller named it and as it was routed: a budget on either applies. */
  models: string[];
}

/** The budgets a call counts against, for its hold, and when each one's window next moves. */
export interface CallBudgets {
  charges: BudgetCharge[];
  resetsAt: Map<string, number>;
}

/** Every field a budget sets must equal the call's; a field it leaves null matches anything. */
export function budgetApplies(budget: BudgetRow, scope: BudgetScope): boolean {
  const matches = (bound: string | null, actual: string | null) => bound === null || bound === actual;
  return (
    budget.customerId === scope.customerId &&
    budget.archivedAt === null &&
    matches(budget.teamId, scope.teamId) &&
    matches(budget.userId, scope.userId) &&
    matches(budget.feature, scope.feature) &&
    matches(budget.sessionId, scope.sessionId) &&
    matches(budget.keyId, scope.keyId) &&
    (budget.model === null || scope.models.includes(budget.model))
  );
}

/**
 * Resolves the budgets of a call from a per-customer cache (the hot path reads the database at
 * most once a second per customer), with period keys from the customer's time zone.
 */
export class BudgetResolver {
  private readonly cache = new Map<string, { budgets: BudgetRow[]; until: number }>();

  constructor(
    private readonly load: (customerId: string) => Promise<BudgetRow[]>,
    private readonly clock: () => number = Date.now,
  ) {}

  async resolve(scope: BudgetScope): Promise<CallBudgets> {
    const now = this.clock();
    let entry = this.cache.get(scope.customerId);
    if (!entry || entry.until <= now) {
      if (this.cache.size >= BUDGET_CACHE_ENTRIES_MAX) this.cache.clear();
      entry = { budgets: await this.load(scope.customerId), until: now + BUDGET_CACHE_TTL_MS };
      this.cache.set(scope.customerId, entry);
    }
    const charges: BudgetCharge[] = [];
    const resetsAt = new Map<string, number>();
    for (const budget of entry.budgets) {
      if (!budgetApplies(budget, scope)) continue;
      const window = budgetWindow(budget.period, budget.timezone, now);
      charges.push({
        budgetId: budget.id,
        periodKey: window.periodKey,
        ...(window.windowStartKey === undefined ? {} : { windowStartKey: window.windowStartKey }),
        cap: budget.amount,
        mode: budget.mode,
      });
      resetsAt.set(budget.id, window.resetsAt);
    }
    return { charges, resetsAt };
  }

  /** Forgets every cached budget (after a change on this instance). */
  invalidate(): void {
    this.cache.clear();
  }
}

/** The 429 of a hold a hard budget refused: `retry-after` is when its period resets (or its window moves). */
export function budgetExceeded(
  budgets: CallBudgets,
  budgetId: string | undefined,
  now: number,
): GatewayError {
  const resetsAt = (budgetId && budgets.resetsAt.get(budgetId)) || now + 1_000;
  const seconds = Math.max(1, Math.ceil((resetsAt - now) / 1_000));
  return new GatewayError(
    'budget_exceeded',
    `This call would pass budget ${budgetId ?? ''}'s hard cap. It resets at ${new Date(resetsAt).toISOString()}; retry after ${seconds} s, or raise the budget.`,
    null,
    { 'retry-after': String(seconds) },
  );
}
