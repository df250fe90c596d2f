import { type ReactNode, useId } from 'react';
import { budgetName, budgetUsed, healthLabel } from './budget-text.ts';
import { useTollgateContext } from './context.ts';
import { cx } from './cx.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { formatAmount, formatDate, formatPercent } from './format.ts';
import { useBudget } from './use-budget.ts';
import { useCredits } from './use-credits.ts';

/** Props of {@link BudgetHealth}. */
export interface BudgetHealthProps {
  title?: string;
  className?: string;
}

const ICON = { ok: '✓', warning: '!', exceeded: '✕' } as const;

/**
 * Every budget with its health in words and colour (green "On track", amber "Nearing limit",
 * red "Limit reached"), a meter of what is used, and when it resets. Updates live.
 *
 * @example
 * ```tsx
 * <BudgetHealth title="Spending limits" />
 * ```
 */
export function BudgetHealth({ title = 'Budgets', className }: BudgetHealthProps): ReactNode {
  const { locale } = useTollgateContext('<BudgetHealth>');
  const { budgets, loading, error } = useBudget();
  const unit = useCredits().balance?.unit ?? 'usd';
  const headingId = useId();

  let body: ReactNode;
  if (error) body = <ErrorNotice error={error} />;
  else if (loading) body = <Loading label="Loading budgets…" />;
  else if (budgets.length === 0) body = <p className="tg-empty">No budgets set.</p>;
  else {
    body = (
      <ul className="tg-budgets">
        {budgets.map((budget) => {
          const used = budgetUsed(budget);
          const name = budgetName(budget);
          return (
            <li
              key={budget.id}
              className={`tg-budget tg-health--${budget.health}`}
              data-tg-health={budget.health}
            >
              <div className="tg-budget__row">
                <span className="tg-budget__name">{name}</span>
                <span className="tg-health__badge">
                  <span aria-hidden="true">{ICON[budget.health]} </span>
                  {healthLabel(budget.health, budget.mode)}
                </span>
              </div>
              {/* biome-ignore lint/a11y/useSemanticElements: <meter> cannot take the health colour variables in every browser */}
              <div
                className="tg-meter"
                role="meter"
                aria-label={`${name} used`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(used * 100)}
                aria-valuetext={formatPercent(used, locale)}
              >
                <span className="tg-meter__fill" style={{ width: `${Math.min(100, used * 100)}%` }} />
              </div>
              <p className="tg-muted">
                {formatAmount(budget.spent, unit, locale)} of {formatAmount(budget.amount, unit, locale)} (
                {formatPercent(used, locale)}) · {budget.mode === 'hard' ? 'hard limit' : 'soft limit'} ·
                resets {formatDate(budget.resets_at, locale)}
              </p>
            </li>
          );
        })}
      </ul>
    );
  }
  return (
    <section className={cx('tg-card tg-budget-health', className)} aria-labelledby={headingId}>
      <h2 className="tg-card__title" id={headingId}>
        {title}
      </h2>
      {body}
    </section>
  );
}
