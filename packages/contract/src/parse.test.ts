import { describe, expect, it } from 'vitest';
import { createGrantBody } from './admin/grants.ts';
import { listTransactionsQuery } from './admin/transactions.ts';
import { parseInput } from './parse.ts';

describe('parseInput', () => {
  it('returns the parsed data with defaults applied', () => {
    expect(parseInput(createGrantBody, { amount: '7' })).toEqual({
      ok: true,
      data: { amount: 7n, source: 'purchase', priority: 50 },
    });
  });

  it.each([
    [{ amount: 1, metadata: { k: 5 } }, 'metadata.k', 'parameter_invalid'],
    [{ amount: 1, bogus: 1 }, 'bogus', 'parameter_invalid'],
    [{ amount: 1, priority: '5' }, 'priority', 'parameter_invalid'],
    [{ source: 'promo' }, 'amount', 'parameter_missing'],
  ])('names the first bad field of %j: %s', (body, param, code) => {
    const result = parseInput(createGrantBody, body);
    expect(result).toMatchObject({ ok: false, problem: { code, param } });
    if (!result.ok) expect(result.problem.message.startsWith(param)).toBe(true);
  });

  it('describes a body that is not an object', () => {
    expect(parseInput(createGrantBody, 'amount')).toMatchObject({
      ok: false,
      problem: { code: 'parameter_invalid', message: 'The body must be an object' },
    });
  });

  it('parses comma-separated transaction types and refuses unknown ones', () => {
    expect(parseInput(listTransactionsQuery, { type: 'grant,hold' })).toMatchObject({
      ok: true,
      data: { type: ['grant', 'hold'], limit: 100 },
    });
    expect(parseInput(listTransactionsQuery, { type: 'grant,refund' })).toMatchObject({
      ok: false,
      problem: { param: 'type' },
    });
  });
});
