import { MICROS_MAX } from '@tollgate/domain';

/**
 * Money for a JSON response: an integer number, exact because every amount is within 2^53 − 1.
 * A value beyond it would break that invariant, so it fails loudly instead of rounding.
 */
export function moneyJson(micros: bigint): number {
  if (micros > MICROS_MAX || micros < -MICROS_MAX)
    throw new RangeError(`amount ${micros} exceeds ±2^53−1 micros`);
  return Number(micros);
}

/** An instant (ms since the epoch) for a JSON response: ISO 8601 in UTC. */
export function instantJson(ms: number): string {
  return new Date(ms).toISOString();
}

export function instantJsonOrNull(ms: number | null): string | null {
  return ms === null ? null : instantJson(ms);
}
