import { useEffect } from 'react';
import { useTollgateContext } from './context.ts';
import type { TollgateError } from './errors.ts';
import type { Budget, BudgetHealthLevel } from './types.ts';
import { useLiveState } from './use-live-state.ts';

/** What {@link useBudget} returns. */
export interface BudgetState {
  budgets: Budget[];
  /** The worst health of all budgets; undefined when there is none (or not loaded yet). */
  health: BudgetHealthLevel | undefined;
  loading: boolean;
  error: TollgateError | undefined;
}

const SEVERITY: Record<BudgetHealthLevel, number> = { ok: 0, warning: 1, exceeded: 2 };

/** The budget most in need of attention, hard caps first among equals. */
export function worstBudget(budgets: Budget[]): Budget | undefined {
  let worst: Budget | undefined;
  for (const budget of budgets) {
    const rank = SEVERITY[budget.health] * 2 + (budget.mode === 'hard' ? 1 : 0);
    const worstRank = worst ? SEVERITY[worst.health] * 2 + (worst.mode === 'hard' ? 1 : 0) : -1;
    if (rank > worstRank) worst = budget;
  }
  return worst;
}

/**
 * The customer's budgets and their health, kept current by the live stream.
 *
 * @example
 * ```tsx
 * const { health } = useBudget();
 * return health === 'exceeded' ? <p>AI features are paused</p> : null;
 * ```
 */
export function useBudget(): BudgetState {
  const context = useTollgateContext('useBudget()');
  const state = useLiveState(context);
  useEffect(() => context.store.loadBudgets(), [context.store]);

  const budgets = state.budgets.data ?? [];
  const error = state.authError ?? state.budgets.error;
  return {
    budgets,
    health: worstBudget(budgets)?.health,
    loading: !error && state.budgets.data === undefined,
    error,
  };
}
