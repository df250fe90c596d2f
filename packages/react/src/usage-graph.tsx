import { type ReactNode, useId, useState } from 'react';
import { useTollgateContext } from './context.ts';
import { cx } from './cx.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { formatAmount, formatCompactAmount, formatNumber } from './format.ts';
import { RangePicker, rangeDates, type UsageRange } from './range-picker.tsx';
import type { GroupBy } from './types.ts';
import { UsageChart } from './usage-chart.tsx';
import { buildSeries, type UsageMetric } from './usage-series.ts';
import { useCredits } from './use-credits.ts';
import { useUsage } from './use-usage.ts';

/** Props of {@link UsageGraph}. */
export interface UsageGraphProps {
  /** Initial period (default `'30d'`); the user can change it with the range picker. */
  range?: UsageRange;
  /** What the bars are stacked by (default `'feature'`). */
  groupBy?: GroupBy;
  /** What the bars measure (default `'price'`, in the primary wallet's unit). */
  metric?: UsageMetric;
  title?: string;
  className?: string;
}

const METRIC_NAME: Record<UsageMetric, string> = { price: 'Spend', requests: 'Requests', tokens: 'Tokens' };

/**
 * Daily usage as stacked bars by feature, model or user, with a 7/30/90-day picker and a
 * keyboard-accessible tooltip. Refreshes after live balance changes.
 *
 * @example
 * ```tsx
 * <UsageGraph range="7d" groupBy="model" metric="tokens" />
 * ```
 */
export function UsageGraph(props: UsageGraphProps): ReactNode {
  const { groupBy = 'feature', metric = 'price', className } = props;
  const title = props.title ?? `${METRIC_NAME[metric]} by ${groupBy}`;
  const { locale } = useTollgateContext('<UsageGraph>');
  const [range, setRange] = useState<UsageRange>(props.range ?? '30d');
  const { from, to } = rangeDates(range);
  const { data, loading, error, refetch } = useUsage({ from, to, granularity: 'day', groupBy });
  // Price rows carry no unit: they are in the customer's wallet unit.
  const unit = useCredits().balance?.unit ?? 'usd';
  const headingId = useId();

  const formatValue = (value: number) =>
    metric === 'price'
      ? formatAmount(Math.round(value * 1_000_000), unit, locale)
      : formatNumber(value, locale);
  const formatAxis = (value: number) =>
    metric === 'price'
      ? formatCompactAmount(value, unit, locale)
      : new Intl.NumberFormat(locale, { notation: 'compact' }).format(value);
  const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
  const formatBucket = (bucket: string) => (bucket ? dayFormat.format(new Date(bucket)) : '');

  let body: ReactNode;
  if (error) body = <ErrorNotice error={error} onRetry={refetch} />;
  else if (loading && data.length === 0) body = <Loading label="Loading usage…" />;
  else if (data.length === 0) body = <p className="tg-empty">No usage in this period.</p>;
  else {
    body = (
      <UsageChart
        series={buildSeries(data, metric)}
        label={`${title}, ${range}`}
        formatValue={formatValue}
        formatAxis={formatAxis}
        formatBucket={formatBucket}
      />
    );
  }
  return (
    <section
      className={cx('tg-card tg-usage-graph', className)}
      aria-labelledby={headingId}
      aria-busy={loading}
    >
      <div className="tg-card__header">
        <h2 className="tg-card__title" id={headingId}>
          {title}
        </h2>
        <RangePicker value={range} onChange={setRange} />
      </div>
      {body}
    </section>
  );
}
