import { type ReactNode, useState } from 'react';
import { budgetName, budgetUsed } from './budget-text.ts';
import { useTollgateContext } from './context.ts';
import { cx } from './cx.ts';
import { ErrorNotice } from './error-notice.tsx';
import { formatAmount, formatDate, formatPercent } from './format.ts';
import { useBudget, worstBudget } from './use-budget.ts';
import { useCredits } from './use-credits.ts';

/** Props of {@link BudgetAlert}. */
export interface BudgetAlertProps {
  /** Let the customer hide a warning (never a blocking notice). Default true. */
  dismissible?: boolean;
  className?: string;
}

/**
 * A banner when a budget passes its soft cap or 80 %, and a blocking notice when a hard cap is
 * reached (calls are refused until the period resets). Renders nothing while all is well or loading.
 *
 * @example
 * ```tsx
 * <header><BudgetAlert /></header>
 * ```
 */
export function BudgetAlert({ dismissible = true, className }: BudgetAlertProps): ReactNode {
  const { locale } = useTollgateContext('<BudgetAlert>');
  const { budgets, error } = useBudget();
  const unit = useCredits().balance?.unit ?? 'usd';
  const [dismissed, setDismissed] = useState<string | undefined>(undefined);

  if (error) return <ErrorNotice error={error} />;
  const budget = worstBudget(budgets);
  if (!budget || budget.health === 'ok') return null;

  const blocking = budget.health === 'exceeded' && budget.mode === 'hard';
  // Dismissal is per budget and level: a warning hidden today must not hide tomorrow's block.
  const dismissKey = `${budget.id}:${budget.health}:${budget.period_key}`;
  if (!blocking && dismissed === dismissKey) return null;

  const name = budgetName(budget);
  const used = `${formatAmount(budget.spent, unit, locale)} of ${formatAmount(budget.amount, unit, locale)}`;
  const resets = formatDate(budget.resets_at, locale, true);
  let title: string;
  let detail: string;
  if (blocking) {
    title = `${name} reached`;
    detail = `AI features are paused until ${resets} (${used} used).`;
  } else if (budget.health === 'exceeded') {
    title = `${name} exceeded`;
    detail = `You have used ${used}. It resets on ${resets}.`;
  } else {
    title = `${formatPercent(budgetUsed(budget), locale)} of your ${name.toLowerCase()} used`;
    detail = `You have used ${used}. It resets on ${resets}.`;
  }
  return (
    <div
      className={cx('tg-alert', blocking ? 'tg-alert--danger' : 'tg-alert--warning', className)}
      role="alert"
      data-tg-health={budget.health}
    >
      <span className="tg-alert__icon" aria-hidden="true">
        {blocking ? '⛔' : '⚠'}
      </span>
      <div className="tg-alert__body">
        <strong>{title}</strong> <span>{detail}</span>
      </div>
      {dismissible && !blocking ? (
        <button
          type="button"
          className="tg-button tg-alert__dismiss"
          aria-label="Dismiss budget warning"
          onClick={() => setDismissed(dismissKey)}
        >
          ×
        </button>
      ) : null}
    </div>
  );
}
