import type { Micros } from './types.ts';

/** Micro-units in one unit (1 usd = 1,000,000 micros). */
const MICROS_PER_UNIT = 1_000_000;

/** Converts JSON micros (number or decimal string) to units, for display only: never for arithmetic. */
export function toUnits(amount: Micros): number {
  return Number(amount) / MICROS_PER_UNIT;
}

/** A 3-letter unit is an ISO 4217 currency (usd, eur); anything else is a named credit unit. */
function currencyOf(unit: string): string | undefined {
  return /^[a-z]{3}$/i.test(unit) ? unit.toUpperCase() : undefined;
}

/**
 * Formats an amount of micros in its unit: currencies through Intl's currency style, other units
 * as a number followed by the unit name ("1,250 credits").
 */
export function formatAmount(amount: Micros, unit: string, locale: string | undefined): string {
  const value = toUnits(amount);
  const currency = currencyOf(unit);
  if (currency) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
    } catch {
      // Not a currency Intl knows: fall through to the plain form.
    }
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value)} ${unit}`;
}

/** A compact amount for chart axes ("$1.2K"). */
export function formatCompactAmount(amount: number, unit: string, locale: string | undefined): string {
  const currency = currencyOf(unit);
  const options: Intl.NumberFormatOptions = { notation: 'compact', maximumFractionDigits: 1 };
  if (currency) Object.assign(options, { style: 'currency', currency });
  return new Intl.NumberFormat(locale, options).format(amount);
}

/** Formats a count (requests, tokens). */
export function formatNumber(value: number, locale: string | undefined): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** Formats a date (and, with `time`, the time of day). */
export function formatDate(iso: string, locale: string | undefined, time = false): string {
  const options: Intl.DateTimeFormatOptions = time
    ? { dateStyle: 'medium', timeStyle: 'short' }
    : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
}

/** Formats a ratio (0.85 → "85%"). */
export function formatPercent(ratio: number, locale: string | undefined): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}
