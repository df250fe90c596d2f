import { toUnits } from './format.ts';
import type { Budget, BudgetHealthLevel } from './types.ts';

const PERIOD: Record<Budget['period'], string> = {
  hour: 'Hourly',
  day: 'Daily',
  week: 'Weekly',
  month: 'Monthly',
};

/** "Monthly budget", "Daily budget for summarize": the customer's name for a budget. */
export function budgetName(budget: Budget): string {
  const { feature, model, user_id, team_id } = budget.scope;
  const target = feature ?? model ?? (user_id ? `user ${user_id}` : team_id ? `team ${team_id}` : undefined);
  return `${PERIOD[budget.period]} budget${target ? ` for ${target}` : ''}`;
}

/** Share of the budget used, counting open holds as the server does. */
export function budgetUsed(budget: Budget): number {
  const amount = toUnits(budget.amount);
  return amount > 0 ? (toUnits(budget.spent) + toUnits(budget.pending)) / amount : 1;
}

/** The words for a health level: colour is never the only signal. */
export function healthLabel(health: BudgetHealthLevel, mode: Budget['mode']): string {
  if (health === 'ok') return 'On track';
  if (health === 'warning') return 'Nearing limit';
  return mode === 'hard' ? 'Limit reached' : 'Over budget';
}
