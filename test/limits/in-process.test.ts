import { rateLimitStore } from '@tollgate/storage';
import OpenAI, { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Account, type Harness, startHarness } from '../gateway/harness.ts';
import type { StoreKind } from '../stores.ts';

/**
 * Rate limits counted in one Tollgate (no REDIS_URL), driven with the official OpenAI SDK: a call
 * over a limit is a 429 `rate_limited` that reaches no provider and holds or bills nothing.
 */

const MESSAGES = [{ role: 'user' as const, content: 'Say hi.' }];
/** The fake provider's chat answer (openai_chat_nonstream.json) reports 27 + 42 tokens. */
const FIXTURE_TOKENS = 69;

function client(h: Harness, account: Account, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: account.key,
    baseURL: `${h.baseUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

const chat = (openai: OpenAI, maxTokens = 50) =>
  openai.chat.completions
    .create({ model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: maxTokens })
    .withResponse();

async function rateLimited(promise: Promise<unknown>): Promise<RateLimitError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitError);
  return error as RateLimitError;
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`rate limits in one instance [${kind}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a key with 5 requests/min: 5 calls pass with counted-down headers, the 6th is a 429 that reaches nobody', async () => {
      const account = await h.account(undefined, { requestsPerMinute: 5 });
      const openai = client(h, account);
      const upstreamBefore = h.fake.requests.length;
      for (const remaining of [4, 3, 2, 1, 0]) {
        const { response } = await chat(openai);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5');
        expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(String(remaining));
        expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s|1m0s)$/);
        expect(response.headers.get('x-ratelimit-limit-tokens')).toBeNull();
      }
      expect(h.fake.requests.length - upstreamBefore).toBe(5);
      const walletBefore = await h.wallet(account.walletId);

      const error = await rateLimited(chat(openai));
      expect(error.status).toBe(429);
      expect(error.code).toBe('rate_limited');
      expect(error.type).toBe('rate_limit_error');
      const retryAfter = Number(error.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(error.headers?.get('x-tollgate-request-id')).toMatch(/^req_/);

      // Nothing sent upstream, held or billed for it.
      expect(h.fake.requests.length - upstreamBefore).toBe(5);
      const walletAfter = await h.wallet(account.walletId);
      expect({ balance: walletAfter.balance, pending: walletAfter.pending }).toEqual({
        balance: walletBefore.balance,
        pending: 0n,
      });
      const events = await h.data.listUsageEvents({ customerId: account.customerId, limit: 10 });
      expect(events.data).toHaveLength(5);
    });

    it('answers an Anthropic caller in its own error format', async () => {
      const account = await h.account(undefined, { requestsPerMinute: 1 });
      const send = () =>
        fetch(`${h.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: {
            'x-api-key': account.key,
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
          },
          body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 20, messages: MESSAGES }),
        });
      expect((await send()).status).toBe(200);
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({
        type: 'error',
        error: { type: 'rate_limit_error', code: 'rate_limited' },
      });
    });

    it('tokens/min: a prompt bigger than the limit is refused up front; small calls are trued up to real usage', async () => {
      const account = await h.account(undefined, { tokensPerMinute: 1_000 });
      const openai = client(h, account);
      const upstreamBefore = h.fake.requests.length;
      const bigPrompt = 'word '.repeat(3_000);
      const error = await rateLimited(
        openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: bigPrompt }],
          max_tokens: 10,
        }),
      );
      expect(error.code).toBe('rate_limited');
      expect(error.message).toMatch(/more than the 1000 tokens per minute/);
      expect(h.fake.requests.length).toBe(upstreamBefore);

      // max_tokens: 1 claims a tiny call; the provider reports 69 tokens, and 69 are counted.
      const first = await chat(openai, 1);
      const estimate = 1_000 - Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
      expect(estimate).toBeGreaterThan(1);
      expect(estimate).toBeLessThan(FIXTURE_TOKENS);
      expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
      const second = await chat(openai, 1);
      expect(second.response.headers.get('x-ratelimit-remaining-tokens')).toBe(
        String(1_000 - FIXTURE_TOKENS - estimate),
      );
    });

    it('a per-user limit inside a shared customer limits that user only', async () => {
      const account = await h.account();
      await rateLimitStore(h.store).upsertRateLimit({
        id: `rl_${account.customerId}`,
        customerId: account.customerId,
        userId: 'u-limited',
        model: null,
        keyId: null,
        requestsPerMinute: 2,
        tokensPerMinute: null,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
      await h.runtime.rateLimiter.rules.reload();
      const limited = client(h, account, { 'x-tollgate-user': 'u-limited' });
      const free = client(h, account, { 'x-tollgate-user': 'u-free' });
      await chat(limited);
      const { response } = await chat(limited);
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      const error = await rateLimited(chat(limited));
      expect(error.message).toContain('user u-limited');
      for (let i = 0; i < 4; i++) {
        const other = await chat(free);
        expect(other.response.status).toBe(200);
        expect(other.response.headers.get('x-ratelimit-limit-requests')).toBeNull();
      }
    });

    it('fails open to counting in this instance when Redis does not answer, and says so', async () => {
      // Nothing listens on port 1: the shared store is unreachable from the start.
      const server = await h.spawnServer({ REDIS_URL: 'redis://:secret-pass@127.0.0.1:1' });
      const account = await h.account(undefined, { requestsPerMinute: 2 });
      const openai = new OpenAI({ apiKey: account.key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
      const { response } = await chat(openai);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-ratelimit-store')).toBe('degraded');
      await chat(openai);
      await rateLimited(chat(openai));
    });
  });
}
