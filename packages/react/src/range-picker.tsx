import type { ReactNode } from 'react';

/** A period ending today. */
export type UsageRange = '7d' | '30d' | '90d';

export const RANGES: UsageRange[] = ['7d', '30d', '90d'];

/**
 * The `[from, to)` of a range in whole local days, so the query (and the fetch it keys) stays the
 * same for every render of one day.
 */
export function rangeDates(range: UsageRange, now = new Date()): { from: string; to: string } {
  const days = Number.parseInt(range, 10);
  const day = (offset: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset);
  return { from: day(1 - days).toISOString(), to: day(1).toISOString() };
}

/** Buttons choosing the range; `aria-pressed` tells assistive tech which one is on. */
export function RangePicker(props: { value: UsageRange; onChange: (range: UsageRange) => void }): ReactNode {
  return (
    <fieldset className="tg-range">
      <legend className="tg-visually-hidden">Period</legend>
      {RANGES.map((range) => (
        <button
          key={range}
          type="button"
          className="tg-range__option"
          aria-pressed={props.value === range}
          onClick={() => props.onChange(range)}
        >
          {`Last ${Number.parseInt(range, 10)} days`}
        </button>
      ))}
    </fieldset>
  );
}
