import { type ReactNode, useId } from 'react';
import { useTollgateContext } from './context.ts';
import { cx } from './cx.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { formatAmount, formatNumber } from './format.ts';
import { rangeDates, type UsageRange } from './range-picker.tsx';
import type { GroupBy, UsageRow } from './types.ts';
import { UNATTRIBUTED_GROUP } from './usage-series.ts';
import { useCredits } from './use-credits.ts';
import { useUsage } from './use-usage.ts';

/** Props of {@link UsageTable}. */
export interface UsageTableProps {
  /** Period ending today (default `'30d'`). */
  range?: UsageRange;
  /** Rows per feature, model or user (default `'feature'`). */
  groupBy?: GroupBy;
  title?: string;
  className?: string;
}

interface Totals {
  group: string;
  requests: number;
  input: number;
  output: number;
  priceMicros: number;
}

/** Sums bucketed rows per group, most expensive first. */
export function totalsByGroup(rows: UsageRow[]): Totals[] {
  const byGroup = new Map<string, Totals>();
  for (const row of rows) {
    const group = row.group ?? UNATTRIBUTED_GROUP;
    const totals = byGroup.get(group) ?? { group, requests: 0, input: 0, output: 0, priceMicros: 0 };
    totals.requests += row.requests;
    totals.input += row.input_tokens;
    totals.output += row.output_tokens;
    totals.priceMicros += Number(row.price);
    byGroup.set(group, totals);
  }
  return [...byGroup.values()].sort((a, b) => b.priceMicros - a.priceMicros);
}

const GROUP_LABEL: Record<GroupBy, string> = { feature: 'Feature', model: 'Model', user: 'User' };

/**
 * Usage of a period as a table: requests, tokens and spend per feature, model or user.
 *
 * @example
 * ```tsx
 * <UsageTable groupBy="model" range="7d" />
 * ```
 */
export function UsageTable({
  range = '30d',
  groupBy = 'feature',
  title,
  className,
}: UsageTableProps): ReactNode {
  const { locale } = useTollgateContext('<UsageTable>');
  const { from, to } = rangeDates(range);
  const { data, loading, error, refetch } = useUsage({ from, to, granularity: 'day', groupBy });
  const unit = useCredits().balance?.unit ?? 'usd';
  const captionId = useId();
  const heading = title ?? `Usage by ${groupBy}, last ${Number.parseInt(range, 10)} days`;

  let body: ReactNode;
  if (error) body = <ErrorNotice error={error} onRetry={refetch} />;
  else if (loading && data.length === 0) body = <Loading label="Loading usage…" />;
  else if (data.length === 0) body = <p className="tg-empty">No usage in this period.</p>;
  else {
    const rows = totalsByGroup(data);
    body = (
      <table className="tg-table" aria-labelledby={captionId}>
        <thead>
          <tr>
            <th scope="col">{GROUP_LABEL[groupBy]}</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Spend</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.group}>
              <th scope="row">{row.group}</th>
              <td>{formatNumber(row.requests, locale)}</td>
              <td>{formatNumber(row.input, locale)}</td>
              <td>{formatNumber(row.output, locale)}</td>
              <td>{formatAmount(row.priceMicros, unit, locale)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td>{formatNumber(sum(rows, 'requests'), locale)}</td>
            <td>{formatNumber(sum(rows, 'input'), locale)}</td>
            <td>{formatNumber(sum(rows, 'output'), locale)}</td>
            <td>{formatAmount(sum(rows, 'priceMicros'), unit, locale)}</td>
          </tr>
        </tfoot>
      </table>
    );
  }
  return (
    <section className={cx('tg-card tg-usage-table', className)} aria-busy={loading}>
      <h2 className="tg-card__title" id={captionId}>
        {heading}
      </h2>
      {body}
    </section>
  );
}

function sum(rows: Totals[], key: Exclude<keyof Totals, 'group'>): number {
  return rows.reduce((total, row) => total + row[key], 0);
}
