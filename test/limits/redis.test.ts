import { rateLimitStore } from '@tollgate/storage';
import { Redis } from 'ioredis';
import OpenAI, { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayServer, type Harness, startHarness, waitFor } from '../gateway/harness.ts';
import type { StoreKind } from '../stores.ts';

/**
 * Rate limits shared through Redis by two Tollgate instances on one store. Runs whenever
 * REDIS_URL is set (CI sets it) and fails, never skips, when that Redis does not answer.
 */
const REDIS_URL = process.env.REDIS_URL;

const MESSAGES = [{ role: 'user' as const, content: 'Say hi.' }];

async function outcome(openai: OpenAI): Promise<'ok' | 'rate_limited'> {
  try {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: 20 });
    return 'ok';
  } catch (error) {
    if (error instanceof RateLimitError && error.code === 'rate_limited') return 'rate_limited';
    throw error;
  }
}

// Runs whenever REDIS_URL is set (CI sets it, .ci/run starts Redis); then a Redis that does not
// answer fails the suite. Without REDIS_URL there is no Redis to share: the in-process suite runs.
describe.runIf(REDIS_URL)('rate limits shared through Redis', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
    redis.on('error', () => {});
    // REDIS_URL says Redis is there: if it does not answer, that is a failure, not a skip.
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
  });
  afterAll(() => {
    redis?.disconnect();
  });

  for (const kind of inject('stores') as StoreKind[]) {
    describe(`two instances [${kind}]`, () => {
      let h: Harness;
      let second: GatewayServer;
      beforeAll(async () => {
        h = await startHarness(kind, { REDIS_URL });
        second = await h.spawnServer({ REDIS_URL });
      });
      afterAll(async () => {
        await h?.close();
      });

      it('10 requests/min across both: exactly 10 of 20 concurrent calls pass, the rest reach no provider', async () => {
        const account = await h.account(undefined, { requestsPerMinute: 10 });
        const clients = [h.baseUrl, second.baseUrl].map(
          (base) => new OpenAI({ apiKey: account.key, baseURL: `${base}/v1`, maxRetries: 0 }),
        );
        const upstreamBefore = h.fake.requests.length;
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(clients[i % 2]!)));
        expect(results.filter((r) => r === 'ok')).toHaveLength(10);
        expect(results.filter((r) => r === 'rate_limited')).toHaveLength(10);
        expect(h.fake.requests.length - upstreamBefore).toBe(10);
        const events = await h.data.listUsageEvents({ customerId: account.customerId, limit: 50 });
        expect(events.data).toHaveLength(10);
        expect(await redis.get(`tollgate:rl:key:${account.keyId}:requests`)).toBe('10');
      });

      it('a limit set on one instance is enforced by the other within its poll', async () => {
        const account = await h.account();
        await rateLimitStore(h.store).upsertRateLimit({
          id: `rl_${account.customerId}`,
          customerId: account.customerId,
          userId: null,
          model: null,
          keyId: null,
          requestsPerMinute: 3,
          tokensPerMinute: null,
          createdAt: Date.now(),
          updatedAt: Date.now(),
        });
        await h.runtime.rateLimiter.rules.reload();
        // The second instance was not told: it finds the change when it polls the store.
        await waitFor(
          () => second.runtime.rateLimiter.rules.all().some((r) => r.customerId === account.customerId),
          5_000,
          'the second instance to load the new limit',
        );
        const [a, b] = [h.baseUrl, second.baseUrl].map(
          (base) => new OpenAI({ apiKey: account.key, baseURL: `${base}/v1`, maxRetries: 0 }),
        );
        expect([await outcome(a!), await outcome(b!), await outcome(a!), await outcome(b!)]).toEqual([
          'ok',
          'ok',
          'ok',
          'rate_limited',
        ]);
      });
    });
  }
});
