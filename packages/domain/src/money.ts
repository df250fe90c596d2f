/**
 * Money is an integer count of micro-units of its unit (1 usd = 1,000,000 micros), held in a bigint.
 * Every amount that crosses a boundary is checked against MICROS_MAX so that JSON carries it exactly.
 */
export type Micros = bigint;

/** 2^53 − 1: the largest integer a JSON number carries exactly. */
export const MICROS_MAX: Micros = 9_007_199_254_740_991n;
export const MICROS_PER_UNIT: Micros = 1_000_000n;

export function assertMicros(value: Micros, what = 'amount'): Micros {
  if (value > MICROS_MAX || value < -MICROS_MAX)
    throw new RangeError(`${what} ${value} exceeds ±2^53−1 micros`);
  return value;
}

/**
 * Integer division rounded half-up (away from zero on ties for positive numerators): the one
 * place where a price computed from a rate is rounded. Rates are micros per 1,000,000 tokens.
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = (2n * n + denominator) / (2n * denominator);
  return negative ? -q : q;
}

export function minMicros(a: Micros, b: Micros): Micros {
  return a < b ? a : b;
}

export function maxMicros(a: Micros, b: Micros): Micros {
  return a > b ? a : b;
}

/** JSON form of an amount: a number while it is exact (always, for amounts within MICROS_MAX). */
export function microsToJson(value: Micros): number | string {
  return value <= MICROS_MAX && value >= -MICROS_MAX ? Number(value) : value.toString();
}
