import type { AllowancePeriod } from './price-plan.ts';

const DAY_MS = 86_400_000;

/**
 * The UTC period an instant falls in: a day, an ISO week (from Monday 00:00) or a calendar month.
 * A free allowance is one promo grant per customer and period, expiring at `end`.
 */
export function allowancePeriod(at: number, period: AllowancePeriod): { start: number; end: number } {
  const date = new Date(at);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (period === 'day') return { start: day, end: day + DAY_MS };
  if (period === 'week') {
    const sinceMonday = (date.getUTCDay() + 6) % 7;
    const start = day - sinceMonday * DAY_MS;
    return { start, end: start + 7 * DAY_MS };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return { start, end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

/** The ledger idempotency key of a period's allowance grant: it is granted once, on any instance. */
export const allowanceKey = (customerId: string, periodStart: number): string =>
  `allowance:${customerId}:${new Date(periodStart).toISOString()}`;
