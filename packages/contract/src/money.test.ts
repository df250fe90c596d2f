import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { moneyInput } from './money.ts';
import { parseInput } from './parse.ts';

const positive = z.object({ amount: moneyInput(1) });
const nonNegative = z.object({ amount: moneyInput(0) });

describe('moneyInput', () => {
  it.each([
    [1, 1n],
    ['1', 1n],
    [1_500_000, 1_500_000n],
    ['9007199254740991', 9_007_199_254_740_991n],
    [9_007_199_254_740_991, 9_007_199_254_740_991n],
    ['00042', 42n],
  ])('accepts %j as %s micros', (amount, expected) => {
    expect(positive.parse({ amount }).amount).toBe(expected);
  });

  it.each([
    [0, /positive/],
    ['0', /positive/],
    [-1, /positive/],
    ['-1', /positive/],
    [1.5, /whole number/],
    ['1.5', /whole number/],
    ['1.', /whole number/],
    [9_007_199_254_740_992, /2\^53/],
    ['9007199254740992', /2\^53/],
    ['99999999999999999999999', /2\^53/],
    [Number.NaN, /finite/],
    ['', /decimal digits/],
    [' 1', /decimal digits/],
    ['1e3', /decimal digits/],
    ['0x10', /decimal digits/],
    [true, /integer number of micros/],
    [{}, /integer number of micros/],
    [null, /integer number of micros/],
  ])('refuses %j', (amount, message) => {
    const result = parseInput(positive, { amount });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
    expect(result.problem.message).toMatch(/^amount /);
    expect(result.problem.message).toMatch(message);
  });

  it('accepts zero but not negatives when the minimum is 0', () => {
    expect(nonNegative.parse({ amount: 0 }).amount).toBe(0n);
    const result = parseInput(nonNegative, { amount: -3 });
    expect(result.ok || result.problem.message).toMatch(/must not be negative/);
  });

  it('reports an absent amount as missing', () => {
    expect(parseInput(positive, {})).toEqual({
      ok: false,
      problem: { code: 'parameter_missing', param: 'amount', message: 'amount is required' },
    });
  });

  it('documents both accepted forms in JSON Schema', () => {
    expect(z.toJSONSchema(moneyInput(1), { io: 'input' })).toMatchObject({
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 9_007_199_254_740_991 },
        { type: 'string', pattern: '^[0-9]+$' },
      ],
    });
  });
});
