import { divRoundHalfUp, type Micros } from '../money.ts';

/**
 * An unrounded amount of micros, numerator / denominator. Plan components multiply these and the
 * price is rounded once, half-up, at the end (DESIGN.md §3: rounding happens once).
 */
export interface Exact {
  numerator: bigint;
  denominator: bigint;
}

export const exactOf = (micros: Micros): Exact => ({ numerator: micros, denominator: 1n });

/** `amount × numerator / denominator`, still exact. */
export const scaleExact = (amount: Exact, numerator: bigint, denominator: bigint): Exact => ({
  numerator: amount.numerator * numerator,
  denominator: amount.denominator * denominator,
});

/** The one rounding of a price. */
export const roundExact = (amount: Exact): Micros => divRoundHalfUp(amount.numerator, amount.denominator);
