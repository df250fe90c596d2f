import { wallClock, zonedMidnight } from '../time-zone.ts';
/**
 * Budget periods: which bucket a call counts in, which buckets a cap sums over, and when that
 * changes. Calendar periods (day, week, month) follow the customer's time zone; the hour is a
 * rolling window of the last 60 minutes, counted in minute buckets (UTC, so zone-free).
 */
export type BudgetPeriodKind = 'hour' | 'day' | 'week' | 'month';

/** The rolling hour is summed over this many buckets of ROLLING_BUCKET_MS. */
export const ROLLING_HOUR_BUCKETS = 60;
export const ROLLING_BUCKET_MS = 60_000;
const DAY_MS = 86_400_000;

export interface BudgetWindow {
  /** The bucket a call made now counts in. */
  periodKey: string;
  /** The first bucket the cap sums (rolling hour only). */
  windowStartKey?: string;
  /** When what the cap sums starts, ms since the epoch. */
  startsAt: number;
  /**
   * When a refused call may next succeed: the period's end, or for the rolling hour the next
   * minute, when the oldest bucket leaves the window.
   */
  resetsAt: number;
}

export { isTimeZone } from '../time-zone.ts';

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The instant a local date starts in the zone. */
export function zonedStart(timeZone: string, date: LocalDate): number {
  return zonedMidnight(timeZone, date.year, date.month, date.day);
}

/** A calendar date `days` after another (Date.UTC normalizes overflowing days and months). */
function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday. */
function isoWeek(date: LocalDate): { year: number; week: number; monday: LocalDate } {
  const weekday = (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
  const monday = addDays(date, -weekday);
  const thursday = addDays(monday, 3);
  const yearStart = Date.UTC(thursday.year, 0, 1);
  const week =
    Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - yearStart) / DAY_MS / 7) + 1;
  return { year: thursday.year, week, monday };
}

function minuteKey(bucket: number): string {
  return new Date(bucket * ROLLING_BUCKET_MS).toISOString().slice(0, 16);
}

/**
 * The window a budget of `period` counts in at `now`. Keys sort in time order within a budget:
 * '2026-11-05' (day), '2026-W45' (ISO week), '2026-11' (month), '2026-11-05T10:42' (minute).
 */
export function budgetWindow(period: BudgetPeriodKind, timeZone: string, now: number): BudgetWindow {
  if (period === 'hour') {
    const bucket = Math.floor(now / ROLLING_BUCKET_MS);
    const first = bucket - (ROLLING_HOUR_BUCKETS - 1);
    return {
      periodKey: minuteKey(bucket),
      windowStartKey: minuteKey(first),
      startsAt: first * ROLLING_BUCKET_MS,
      resetsAt: (bucket + 1) * ROLLING_BUCKET_MS,
    };
  }
  const today = wallClock(timeZone, now);
  if (period === 'day') {
    return {
      periodKey: `${today.year}-${pad(today.month)}-${pad(today.day)}`,
      startsAt: zonedStart(timeZone, today),
      resetsAt: zonedStart(timeZone, addDays(today, 1)),
    };
  }
  if (period === 'week') {
    const { year, week, monday } = isoWeek(today);
    return {
      periodKey: `${year}-W${pad(week)}`,
      startsAt: zonedStart(timeZone, monday),
      resetsAt: zonedStart(timeZone, addDays(monday, 7)),
    };
  }
  const first = { year: today.year, month: today.month, day: 1 };
  const next =
    today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { ...first, month: today.month + 1 };
  return {
    periodKey: `${today.year}-${pad(today.month)}`,
    startsAt: zonedStart(timeZone, first),
    resetsAt: zonedStart(timeZone, next),
  };
}
