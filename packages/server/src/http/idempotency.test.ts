import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash } from './idempotency.ts';

describe('request hashing', () => {
  it('ignores key order and spells bigints exactly', () => {
    expect(canonicalJson({ b: 1n, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":"1n"}');
    expect(canonicalJson({ amount: 9_007_199_254_740_993n })).toBe('{"amount":"9007199254740993n"}');
  });

  it('separates operations, parameters and bodies', () => {
    const base = requestHash('createGrant', { id: 'w1' }, { amount: 5n });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash('createGrant', { id: 'w1' }, { amount: 5n })).toBe(base);
    expect(requestHash('createDeduction', { id: 'w1' }, { amount: 5n })).not.toBe(base);
    expect(requestHash('createGrant', { id: 'w2' }, { amount: 5n })).not.toBe(base);
    expect(requestHash('createGrant', { id: 'w1' }, { amount: 6n })).not.toBe(base);
  });
});
