import type { RateLimitRow } from '@tollgate/storage';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../gateway/caller-errors.ts';
import { admit } from './admission.ts';
import { memoryBuckets } from './buckets.ts';
import { applicableLimits, type LimitSubject } from './rules.ts';

const subject = (over: Partial<LimitSubject> = {}): LimitSubject => ({
  keyId: `key_${Math.random().toString(36).slice(2)}`,
  customerId: 'acme',
  userId: null,
  model: 'gpt-4o-mini',
  keyRequestsPerMinute: null,
  keyTokensPerMinute: null,
  ...over,
});

const rule = (over: Partial<RateLimitRow>): RateLimitRow => ({
  id: `rl_${Math.random().toString(36).slice(2)}`,
  customerId: null,
  userId: null,
  model: null,
  keyId: null,
  requestsPerMinute: null,
  tokensPerMinute: null,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('applicableLimits', () => {
  const rules = [
    rule({ id: 'all', requestsPerMinute: 1000 }),
    rule({ id: 'acme', customerId: 'acme', tokensPerMinute: 50_000 }),
    rule({ id: 'u1', customerId: 'acme', userId: 'u1', requestsPerMinute: 10 }),
    rule({ id: 'other', customerId: 'globex', requestsPerMinute: 5 }),
    rule({ id: 'gpt', model: 'gpt-4o*', requestsPerMinute: 100 }),
    rule({ id: 'claude', model: 'claude-3-5-sonnet', requestsPerMinute: 100 }),
  ];

  it.each([
    ['a call with no user', subject(), ['rule:all:requests', 'rule:acme:tokens', 'rule:gpt:requests']],
    [
      'user u1 of acme',
      subject({ userId: 'u1' }),
      ['rule:all:requests', 'rule:acme:tokens', 'rule:u1:requests', 'rule:gpt:requests'],
    ],
    ['user u2 of acme', subject({ userId: 'u2', model: 'o3' }), ['rule:all:requests', 'rule:acme:tokens']],
    [
      'another customer',
      subject({ customerId: 'globex', model: 'o3' }),
      ['rule:all:requests', 'rule:other:requests'],
    ],
  ])('%s', (_, s, buckets) => {
    expect(applicableLimits(rules, s).map((l) => l.bucket)).toEqual(buckets);
  });

  it("puts the key's own limits first, named by the key", () => {
    const s = subject({ keyId: 'key_1', keyRequestsPerMinute: 5, keyTokensPerMinute: 900 });
    expect(applicableLimits([], s)).toEqual([
      { bucket: 'key:key_1:requests', metric: 'requests', perMinute: 5, scope: 'key key_1' },
      { bucket: 'key:key_1:tokens', metric: 'tokens', perMinute: 900, scope: 'key key_1' },
    ]);
  });
});

describe('admit', () => {
  it('counts requests down to 0 in the headers, then refuses with retry-after', async () => {
    const buckets = memoryBuckets();
    const limits = applicableLimits([], subject({ keyRequestsPerMinute: 3 }));
    for (const remaining of [2, 1, 0]) {
      const admission = await admit(buckets, limits, 10);
      expect(admission.headers['x-ratelimit-limit-requests']).toBe('3');
      expect(admission.headers['x-ratelimit-remaining-requests']).toBe(String(remaining));
      expect(admission.headers['x-ratelimit-reset-requests']).toMatch(/^(\d+(\.\d+)?s|\d+ms|1m0s)$/);
    }
    const error = await refusal(admit(buckets, limits, 10));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(Number(error.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(error.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(error.headers['x-ratelimit-remaining-requests']).toBe('0');
  });

  it('gives back what a refused call took from the limits that had room', async () => {
    const buckets = memoryBuckets();
    const s = subject({ keyRequestsPerMinute: 100, keyTokensPerMinute: 1_000 });
    const limits = applicableLimits([], s);
    await admit(buckets, limits, 600);
    await refusal(admit(buckets, limits, 600));
    // The refused call's request was given back: 100 − 1 (first call) − 1 (this one).
    const next = await admit(buckets, limits, 400);
    expect(next.headers['x-ratelimit-remaining-requests']).toBe('98');
    expect(next.headers['x-ratelimit-remaining-tokens']).toBe('0');
  });

  it('refuses a call larger than the whole tokens limit, saying why', async () => {
    const limits = applicableLimits([], subject({ keyTokensPerMinute: 1_000 }));
    const error = await refusal(admit(memoryBuckets(), limits, 5_000));
    expect(error.message).toMatch(/up to 5000 tokens.*more than the 1000 tokens per minute/);
  });

  it('trues the estimate up to the real usage, both ways', async () => {
    const buckets = memoryBuckets();
    const limits = applicableLimits([], subject({ keyTokensPerMinute: 1_000 }));
    const first = await admit(buckets, limits, 100);
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('900');
    // It claimed 100 tokens at most and used 300 (a lie about max_tokens costs the caller).
    await first.settle(300);
    await first.settle(0); // only the first settle counts
    const second = await admit(buckets, limits, 100);
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('600');
    await second.settle(10);
    const third = await admit(buckets, limits, 100);
    expect(third.headers['x-ratelimit-remaining-tokens']).toBe('590');
  });

  it('reports the tightest limit of each kind', async () => {
    const buckets = memoryBuckets();
    const s = subject({ keyRequestsPerMinute: 50, userId: 'u1' });
    const rules = [rule({ userId: 'u1', requestsPerMinute: 2 }), rule({ requestsPerMinute: 1_000 })];
    const admission = await admit(buckets, applicableLimits(rules, s), 1);
    expect(admission.headers['x-ratelimit-limit-requests']).toBe('2');
    expect(admission.headers['x-ratelimit-remaining-requests']).toBe('1');
    expect(admission.headers['x-ratelimit-limit-tokens']).toBeUndefined();
  });
});
