import type { ReactNode } from 'react';
import { BudgetAlert } from './budget-alert.tsx';
import { BudgetHealth } from './budget-health.tsx';
import { CreditBalance } from './credit-balance.tsx';
import { cx } from './cx.ts';
import type { UsageRange } from './range-picker.tsx';
import type { GroupBy } from './types.ts';
import { UsageGraph } from './usage-graph.tsx';
import { UsageTable } from './usage-table.tsx';

/** Props of {@link BillingDashboard}. */
export interface BillingDashboardProps {
  /** Initial period of the graph and the table's period (default `'30d'`). */
  range?: UsageRange;
  /** How usage is broken down (default `'feature'`). */
  groupBy?: GroupBy;
  className?: string;
}

/**
 * The whole billing page in one element: budget alert, balance, budget health, usage graph and
 * usage table, sharing one live stream.
 *
 * @example
 * ```tsx
 * <TollgateProvider token={token} baseUrl={url} theme="auto">
 *   <BillingDashboard groupBy="model" />
 * </TollgateProvider>
 * ```
 */
export function BillingDashboard({
  range = '30d',
  groupBy = 'feature',
  className,
}: BillingDashboardProps): ReactNode {
  return (
    <div className={cx('tg-dashboard', className)}>
      <BudgetAlert />
      <div className="tg-dashboard__summary">
        <CreditBalance />
        <BudgetHealth />
      </div>
      <UsageGraph range={range} groupBy={groupBy} />
      <UsageTable range={range} groupBy={groupBy} />
    </div>
  );
}
