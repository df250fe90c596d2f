import { MICROS_MAX } from '@tollgate/domain';
import { z } from 'zod';

/** 2^53 − 1 as a number: the largest amount JSON carries exactly (same value as MICROS_MAX). */
const MICROS_MAX_NUMBER = Number(MICROS_MAX);
const DIGITS = /^[0-9]+$/;

function describeNumber(input: number, minMicros: 0 | 1): string {
  if (!Number.isFinite(input)) return 'must be a finite integer number of micros';
  if (!Number.isInteger(input))
    return `must be a whole number of micros, not ${input} (amounts are integer micros)`;
  if (input < minMicros)
    return minMicros === 1 ? 'must be a positive number of micros (at least 1)' : 'must not be negative';
  return 'must not exceed 9007199254740991 micros (2^53 − 1); send a decimal string only below that limit';
}

function describeString(input: string, minMicros: 0 | 1): string {
  if (/^\s*-/.test(input))
    return minMicros === 1 ? 'must be a positive number of micros' : 'must not be negative';
  if (/^[0-9]*\.[0-9]*$/.test(input)) return `must be a whole number of micros, not "${input}"`;
  if (DIGITS.test(input)) {
    return BigInt(input) < BigInt(minMicros)
      ? 'must be a positive number of micros (at least 1)'
      : 'must not exceed 9007199254740991 micros (2^53 − 1)';
  }
  return `must be an integer of micros written with decimal digits only, not "${input}"`;
}

/** Why a money input was refused, in words that tell the caller what to send instead. */
function describeMoneyProblem(input: unknown, minMicros: 0 | 1): string {
  if (typeof input === 'number') return describeNumber(input, minMicros);
  if (typeof input === 'string') return describeString(input, minMicros);
  return 'must be an integer number of micros or a string of decimal digits';
}

function inRange(text: string, minMicros: 0 | 1): boolean {
  const value = BigInt(text);
  return value >= BigInt(minMicros) && value <= MICROS_MAX;
}

/**
 * A money amount in a request: integer micros as a JSON integer (a safe integer) or a string of
 * decimal digits, parsed to a bigint. Floats, fractions, negatives and amounts above 2^53 − 1 are
 * refused with a message that says why; `minMicros` 1 also refuses zero.
 *
 * @example
 * const body = z.object({ amount: moneyInput(1) });
 * body.parse({ amount: 1_500_000 }); // { amount: 1500000n }
 * body.parse({ amount: '1500000' }); // { amount: 1500000n }
 * body.safeParse({ amount: 1.5 }).success; // false
 */
export function moneyInput(minMicros: 0 | 1) {
  const error = (issue: { input?: unknown }) => describeMoneyProblem(issue.input, minMicros);
  const asNumber = z.int({ error }).min(minMicros, { error }).max(MICROS_MAX_NUMBER, { error });
  const asString = z
    .string()
    .regex(DIGITS, { error })
    // Checks run on after a failed one: only digits reach BigInt.
    .refine((text) => !DIGITS.test(text) || inRange(text, minMicros), { error });
  return z
    .union([asNumber, asString], { error })
    .transform((value): bigint => BigInt(value))
    .meta({
      description: `Integer micros (1 unit = 1,000,000 micros), as a JSON integer or a decimal string; ${minMicros === 1 ? 'at least 1' : 'zero or more'}, at most 2^53 − 1.`,
      examples: [1_000_000, '1000000'],
    });
}

/**
 * A money amount in a response: integer micros as a JSON integer, never a float.
 *
 * @example
 * moneyOutput.parse(1_000_000); // 1000000
 */
export const moneyOutput = z
  .int()
  .meta({ description: 'Integer micros (1 unit = 1,000,000 micros).', examples: [1_000_000] });
