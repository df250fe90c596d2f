import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react';
import { niceMax, type UsageSeries } from './usage-series.ts';

/** Props of the SVG chart; formatting stays with the caller so the chart knows no units. */
export interface UsageChartProps {
  series: UsageSeries;
  label: string;
  formatValue: (value: number) => string;
  formatAxis: (value: number) => string;
  formatBucket: (bucket: string) => string;
}

// viewBox units; the SVG scales to its container's width.
const WIDTH = 600;
const HEIGHT = 220;
const PAD_LEFT = 56;
const PAD_BOTTOM = 24;
const PAD_TOP = 8;
const GRID_LINES = 4;

/**
 * Hand-drawn stacked bars (no chart library: this is the whole chart). Every bar is focusable;
 * the tooltip it opens is linked with aria-describedby, so keyboard and screen-reader users get
 * the same breakdown as a mouse hover. Arrow keys move between bars.
 */
export function UsageChart({
  series,
  label,
  formatValue,
  formatAxis,
  formatBucket,
}: UsageChartProps): ReactNode {
  const [active, setActive] = useState<number | undefined>(undefined);
  const tooltipId = useId();
  const bars = useRef<(SVGGElement | null)[]>([]);
  const max = niceMax(Math.max(0, ...series.totals));
  const plotWidth = WIDTH - PAD_LEFT;
  const plotHeight = HEIGHT - PAD_TOP - PAD_BOTTOM;
  const band = plotWidth / Math.max(1, series.buckets.length);
  const y = (value: number) => PAD_TOP + plotHeight - (value / max) * plotHeight;

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (event.key === 'Escape') setActive(undefined);
    if (step === 0) return;
    event.preventDefault();
    const next = Math.min(series.buckets.length - 1, Math.max(0, index + step));
    bars.current[next]?.focus();
  };

  const activeBucket = active === undefined ? undefined : series.buckets[active];
  return (
    <div className="tg-chart">
      {/* biome-ignore lint/a11y/useSemanticElements: an SVG chart cannot be a <fieldset> */}
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={label} className="tg-chart__svg">
        {Array.from({ length: GRID_LINES + 1 }, (_, i) => {
          const value = (max / GRID_LINES) * i;
          return (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a gridline is not focusable; the bars carry the values
            <g key={value} className="tg-chart__grid" aria-hidden="true">
              <line x1={PAD_LEFT} x2={WIDTH} y1={y(value)} y2={y(value)} />
              <text x={PAD_LEFT - 6} y={y(value)} dy="0.32em" textAnchor="end">
                {formatAxis(value)}
              </text>
            </g>
          );
        })}
        {series.buckets.map((bucket, b) => {
          let top = 0;
          const x = PAD_LEFT + b * band + band * 0.15;
          return (
            // biome-ignore lint/a11y/noInteractiveElementToNoninteractiveRole: a focusable bar is an image of its values; the tooltip it opens is its description
            <g
              key={bucket}
              ref={(node) => {
                bars.current[b] = node;
              }}
              className="tg-chart__bar"
              tabIndex={0}
              role="img"
              aria-label={`${formatBucket(bucket)}: ${formatValue(series.totals[b] ?? 0)}`}
              aria-describedby={active === b ? tooltipId : undefined}
              onFocus={() => setActive(b)}
              onBlur={() => setActive(undefined)}
              onMouseEnter={() => setActive(b)}
              onMouseLeave={() => setActive(undefined)}
              onKeyDown={(event) => onKeyDown(event, b)}
            >
              {/* A full-height transparent hit area keeps thin bars easy to hover. */}
              <rect x={x} y={PAD_TOP} width={band * 0.7} height={plotHeight} fill="transparent" />
              {series.values[b]?.map((value, g) => {
                if (value <= 0) return null;
                const height = (value / max) * plotHeight;
                top += height;
                return (
                  <rect
                    key={series.groups[g]}
                    className={`tg-series-${g + 1}`}
                    x={x}
                    y={PAD_TOP + plotHeight - top}
                    width={band * 0.7}
                    height={height}
                  />
                );
              })}
            </g>
          );
        })}
        {[0, Math.floor((series.buckets.length - 1) / 2), series.buckets.length - 1]
          .filter((b, i, all) => all.indexOf(b) === i)
          .map((b) => (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: axis labels repeat what each bar's label says
            <text
              key={b}
              className="tg-chart__tick"
              aria-hidden="true"
              x={PAD_LEFT + b * band + band / 2}
              y={HEIGHT - 6}
              textAnchor="middle"
            >
              {formatBucket(series.buckets[b] ?? '')}
            </text>
          ))}
      </svg>
      {activeBucket !== undefined && active !== undefined ? (
        <div
          id={tooltipId}
          role="tooltip"
          className="tg-tooltip"
          style={{ left: `${((PAD_LEFT + (active + 0.5) * band) / WIDTH) * 100}%` }}
        >
          <strong>{formatBucket(activeBucket)}</strong>
          <ul>
            {series.groups.map((group, g) => {
              const value = series.values[active]?.[g] ?? 0;
              return value > 0 ? (
                <li key={group}>
                  <span className={`tg-swatch tg-series-${g + 1}`} aria-hidden="true" />
                  {group}: {formatValue(value)}
                </li>
              ) : null;
            })}
            <li className="tg-tooltip__total">Total: {formatValue(series.totals[active] ?? 0)}</li>
          </ul>
        </div>
      ) : null}
      <ul className="tg-legend" aria-label="Legend">
        {series.groups.map((group, g) => (
          <li key={group}>
            <span className={`tg-swatch tg-series-${g + 1}`} aria-hidden="true" />
            {group}
          </li>
        ))}
      </ul>
    </div>
  );
}
