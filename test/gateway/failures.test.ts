import Anthropic from '@anthropic-ai/sdk';
import { ANTHROPIC_ESTIMATE_FACTOR, countChatPromptTokens, countTokens } from '@tollgate/providers';
import { gatewayStore } from '@tollgate/storage';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient } from '../../packages/server/src/admin/test-client.ts';
import { fixtureBytes, fixtureEntry, splitBody } from '../fake-provider/server.ts';
import type { StoreKind } from '../stores.ts';
import {
  type Account,
  DEFAULT_GRANT_MICROS,
  expectedCost,
  expectedHold,
  type Harness,
  startHarness,
  waitFor,
} from './harness.ts';

/**
 * What goes wrong: too little money under concurrency, clients and upstreams going away
 * mid-stream, upstream errors, and every way a request is refused. Refusals send nothing upstream
 * and bill nothing; cut streams bill what was generated (client gone) or delivered (upstream gone).
 */

const STREAM_FIXTURE = 'openai_chat_stream_include_usage.sse';
const MESSAGES = [{ role: 'user', content: 'Name three primary colors.' }];
/** Counted prompt tokens of MESSAGES (the fixture's provider reported 12 for them). */
const PROMPT_TOKENS = 12;

function post(
  h: Harness | { baseUrl: string },
  path: string,
  key: string,
  body: unknown,
  init: RequestInit = {},
) {
  return fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function expectUntouched(
  h: Harness,
  account: Account,
  grant: bigint = DEFAULT_GRANT_MICROS,
): Promise<void> {
  const wallet = await h.wallet(account.walletId);
  expect({ balance: wallet.balance, pending: wallet.pending, owed: wallet.owed }).toEqual({
    balance: grant,
    pending: 0n,
    owed: 0n,
  });
  expect(await h.ledger.verify()).toEqual([]);
}

/** Reads a response body until `enough(text)` holds; returns the text read. */
async function readUntil(response: Response, enough: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!enough(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before the expected text; got ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** Content of the whole `data:` events in an OpenAI chat SSE text. */
function deliveredContent(sse: string): string {
  let text = '';
  for (const event of sse.split('\n\n').slice(0, -1)) {
    const data = event.replace(/^data: /, '');
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices: { delta: { content?: string } }[] };
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
  }
  return text;
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`gateway failures [${kind}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    const chat = { model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: 100 };

    it('a wallet frozen through the admin API refuses the next call at once, though its lease had credit left', async () => {
      const account = await h.account();
      expect((await post(h, '/v1/chat/completions', account.key, chat)).status).toBe(200);
      const api = adminClient(h.store, h.ledger, h.runtime);
      const frozen = await api.call('PATCH', `/wallets/${account.walletId}`, { body: { status: 'frozen' } });
      expect(frozen.status).toBe(200);
      const refused = await post(h, '/v1/chat/completions', account.key, chat);
      expect(refused.status).toBe(402);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('wallet_frozen');
    });

    it('calls reserve their part of a lease; with TOLLGATE_LEASES=off each holds on its own', async () => {
      const held = expectedHold('openai', 'gpt-4o-mini', PROMPT_TOKENS, 100);
      const leased = await post(h, '/v1/chat/completions', h.key, chat);
      const onLease = await h.usageEvent(leased.headers.get('x-tollgate-request-id')!);
      expect((await h.store.getHold(onLease!.holdId!))!.metadata).toHaveProperty('lease');
      const off = await h.spawnServer({ TOLLGATE_LEASES: 'off' });
      const own = await post(off, '/v1/chat/completions', h.key, chat);
      const event = await h.usageEvent(own.headers.get('x-tollgate-request-id')!);
      expect(await h.store.getHold(event!.holdId!)).toMatchObject({
        amount: held,
        status: 'captured',
        metadata: { request_id: own.headers.get('x-tollgate-request-id') },
      });
    });

    it('100 concurrent streams on a wallet that affords 40: 40 run, 60 get 402 and never reach upstream', async () => {
      expect(countChatPromptTokens(MESSAGES, 'o200k_base')).toBe(PROMPT_TOKENS);
      const hold = expectedHold('openai', 'gpt-4o-mini', PROMPT_TOKENS, 100);
      const grant = hold * 40n;
      const account = await h.account(grant);
      h.fake.reset();
      h.fake.pause(); // admitted calls wait upstream, so no capture frees money while the others ask
      let refused = 0;
      const calls = Array.from({ length: 100 }, () =>
        post(h, '/v1/chat/completions', account.key, {
          model: 'gpt-4o-mini',
          messages: MESSAGES,
          max_tokens: 100,
          stream: true,
        }).then(async (response) => {
          if (response.status === 402) refused++;
          return { status: response.status, text: await response.text() };
        }),
      );
      try {
        await waitFor(
          () => h.fake.requests.length + refused >= 100,
          20_000,
          'every call admitted or refused',
        );
      } finally {
        h.fake.resume();
      }
      const results = await Promise.all(calls);
      const ok = results.filter((r) => r.status === 200);
      const rejected = results.filter((r) => r.status === 402);
      expect(ok.length + rejected.length).toBe(100);
      expect(ok.length).toBeLessThanOrEqual(40);
      expect(ok.length).toBe(40);
      expect(h.fake.requests).toHaveLength(ok.length);
      for (const r of rejected) {
        const body = JSON.parse(r.text) as { error: { code: string; type: string; message: string } };
        expect(body.error.code).toBe('insufficient_credits');
        expect(body.error.message).toMatch(/credits/i);
      }
      for (const r of ok) expect(r.text).toContain('data: [DONE]');
      const each = expectedCost('openai', 'gpt-4o-mini', {
        input_tokens: 12,
        output_tokens: 12,
        cached_input_tokens: 0,
        cache_creation_input_tokens: 0,
        reasoning_tokens: 0,
      });
      const wallet = await h.wallet(account.walletId);
      expect({ balance: wallet.balance, pending: wallet.pending, owed: wallet.owed }).toEqual({
        balance: grant - each * BigInt(ok.length),
        pending: 0n,
        owed: 0n,
      });
      expect(await h.ledger.verify()).toEqual([]);
    }, 40_000);

    for (const when of ['after the first chunks', 'right before the usage chunk'] as const) {
      it(`a client that disconnects ${when} is billed for what was generated`, async () => {
        const account = await h.account();
        // role chunk + 4 words, or every chunk up to finish_reason (14) with the usage chunk held back.
        const stallAfterChunks = when === 'after the first chunks' ? 5 : 14;
        h.fake.enqueue('/v1/chat/completions', { fixture: STREAM_FIXTURE, stallAfterChunks });
        const controller = new AbortController();
        const response = await post(
          h,
          '/v1/chat/completions',
          account.key,
          { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
          { signal: controller.signal },
        );
        expect(response.status).toBe(200);
        const requestId = response.headers.get('x-tollgate-request-id')!;
        const upstream = h.fake.requests.at(-1)!;
        const marker = when === 'after the first chunks' ? '" colors"' : '"finish_reason":"stop"';
        await readUntil(response, (text) => text.includes(marker));
        controller.abort();
        await upstream.done;
        expect(upstream.closedEarly).toBe(true);
        await waitFor(
          async () => (await h.wallet(account.walletId)).pending === 0n,
          5_000,
          'the hold released',
        );
        const generated =
          when === 'after the first chunks'
            ? 'The three primary colors'
            : 'The three primary colors are red, yellow, and blue.';
        const usage = {
          input_tokens: PROMPT_TOKENS,
          output_tokens: countTokens(generated),
          cached_input_tokens: 0,
          cache_creation_input_tokens: 0,
          reasoning_tokens: 0,
        };
        const cost = expectedCost('openai', 'gpt-4o-mini', usage);
        const wallet = await h.wallet(account.walletId);
        expect([wallet.balance, wallet.pending, wallet.owed]).toEqual([DEFAULT_GRANT_MICROS - cost, 0n, 0n]);
        expect(await h.ledger.verify()).toEqual([]);
        const event = await h.usageEvent(requestId);
        expect(event).toMatchObject({
          status: 'client_aborted',
          estimated: true,
          inputTokens: PROMPT_TOKENS,
          outputTokens: usage.output_tokens,
          cost,
          price: cost,
        });
        expect(event!.outputTokens).toBeGreaterThan(0);
      }, 15_000);
    }

    it('a client that disconnects before the provider answers: the upstream call is cut, the prompt is billed', async () => {
      const account = await h.account();
      h.fake.enqueue('/v1/chat/completions', { fixture: STREAM_FIXTURE, headersDelayMs: 3_000 });
      const before = h.fake.requests.length;
      const controller = new AbortController();
      const call = post(
        h,
        '/v1/chat/completions',
        account.key,
        { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
        { signal: controller.signal },
      ).catch((e: unknown) => e);
      await waitFor(() => h.fake.requests.length > before, 5_000, 'the call upstream');
      controller.abort();
      expect(await call).toBeInstanceOf(Error);
      const upstream = h.fake.requests.at(-1)!;
      await upstream.done;
      expect(upstream.closedEarly).toBe(true);
      expect(upstream.bytesWritten).toBe(0);
      await waitFor(async () => (await h.wallet(account.walletId)).pending === 0n, 5_000, 'the hold settled');
      // The provider may have read the prompt already: it is billed (counted locally), nothing else.
      const events = await gatewayStore(h.store).listUsageEvents({
        customerId: account.customerId,
        limit: 10,
      });
      expect(events.data).toHaveLength(1);
      const event = events.data[0]!;
      const prompt = countChatPromptTokens(MESSAGES, 'o200k_base');
      expect(event).toMatchObject({
        status: 'client_aborted',
        estimated: true,
        outputTokens: 0,
        inputTokens: prompt,
      });
      expect(event.cost).toBe(
        expectedCost('openai', 'gpt-4o-mini', {
          input_tokens: prompt,
          output_tokens: 0,
          cached_input_tokens: 0,
          cache_creation_input_tokens: 0,
          reasoning_tokens: 0,
        }),
      );
      const wallet = await h.wallet(account.walletId);
      expect(wallet.balance).toBe(DEFAULT_GRANT_MICROS - event.cost);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('an upstream that dies mid-stream is billed only for what was delivered', async () => {
      const account = await h.account();
      const pieces = splitBody(fixtureBytes(STREAM_FIXTURE), 'events', true);
      const dieAfterBytes = pieces.slice(0, 6).reduce((n, p) => n + p.length, 0) + 30; // mid 7th event
      h.fake.enqueue('/v1/chat/completions', { fixture: STREAM_FIXTURE, dieAfterBytes });
      const response = await post(h, '/v1/chat/completions', account.key, {
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-tollgate-request-id')!;
      const text = await response.text().catch(() => '');
      expect(text).toBe(fixtureBytes(STREAM_FIXTURE).subarray(0, dieAfterBytes).toString('utf8'));
      const delivered = deliveredContent(text);
      expect(delivered).toBe('The three primary colors are');
      await waitFor(
        async () => (await h.wallet(account.walletId)).pending === 0n,
        5_000,
        'the hold released',
      );
      const usage = {
        input_tokens: PROMPT_TOKENS,
        output_tokens: countTokens(delivered),
        cached_input_tokens: 0,
        cache_creation_input_tokens: 0,
        reasoning_tokens: 0,
      };
      const cost = expectedCost('openai', 'gpt-4o-mini', usage);
      const wallet = await h.wallet(account.walletId);
      expect([wallet.balance, wallet.pending]).toEqual([DEFAULT_GRANT_MICROS - cost, 0n]);
      expect(await h.ledger.verify()).toEqual([]);
      expect(await h.usageEvent(requestId)).toMatchObject({
        status: 'upstream_failed',
        estimated: true,
        outputTokens: usage.output_tokens,
        cost,
      });
    });

    it('an Anthropic stream that ends in an overloaded_error event is billed its input and the text it delivered', async () => {
      const account = await h.account();
      const fixture = 'anthropic_messages_stream_error_overloaded.sse';
      const entry = fixtureEntry(fixture);
      h.fake.enqueue('/v1/messages', { fixture });
      const response = await post(h, '/v1/messages', account.key, entry.request.body);
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-tollgate-request-id')!;
      expect(Buffer.from(await response.arrayBuffer()).equals(fixtureBytes(fixture))).toBe(true);
      const partial = (entry as unknown as { partial_output_text: string }).partial_output_text;
      const usage = {
        input_tokens: entry.expected_usage!.input_tokens,
        // Claude's tokenizer is not public: Tollgate's documented estimate of the delivered text.
        output_tokens: Math.ceil(countTokens(partial) * ANTHROPIC_ESTIMATE_FACTOR),
        cached_input_tokens: 0,
        cache_creation_input_tokens: 0,
        reasoning_tokens: 0,
      };
      const cost = expectedCost('anthropic', 'claude-opus-4-5', usage);
      await waitFor(
        async () => (await h.wallet(account.walletId)).pending === 0n,
        5_000,
        'the hold released',
      );
      const wallet = await h.wallet(account.walletId);
      expect([wallet.balance, wallet.pending]).toEqual([DEFAULT_GRANT_MICROS - cost, 0n]);
      expect(await h.ledger.verify()).toEqual([]);
      expect(await h.usageEvent(requestId)).toMatchObject({
        status: 'upstream_failed',
        estimated: true,
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        cost,
      });
    });

    it('an upstream 429 is passed through as it came, nothing billed', async () => {
      const account = await h.account();
      h.fake.enqueue('/v1/chat/completions', { fixture: 'openai_error_429_rate_limit.json' });
      const response = await post(h, '/v1/chat/completions', account.key, {
        model: 'gpt-4o',
        messages: MESSAGES,
        stream: true,
      });
      expect(response.status).toBe(429);
      expect(response.headers.get('x-request-id')).toBe('req_5720939dc5f3c6cad1871654f0414721');
      expect(
        Buffer.from(await response.arrayBuffer()).equals(fixtureBytes('openai_error_429_rate_limit.json')),
      ).toBe(true);
      await expectUntouched(h, account);

      h.fake.enqueue('/v1/chat/completions', { fixture: 'openai_error_429_rate_limit.json' });
      const client = new OpenAI({ apiKey: account.key, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
      const error = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
      await expectUntouched(h, account);
    });

    it('an upstream 500 becomes a 502 in the caller format, nothing billed', async () => {
      const account = await h.account();
      h.fake.enqueue('/v1/chat/completions', { fixture: 'openai_error_500.json' });
      const response = await post(h, '/v1/chat/completions', account.key, {
        model: 'gpt-4o-mini',
        messages: MESSAGES,
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { type: 'api_error', code: 'upstream_error' } });
      await expectUntouched(h, account);

      h.fake.enqueue('/v1/messages', { fixture: 'openai_error_500.json' });
      const anthropic = new Anthropic({ apiKey: account.key, baseURL: h.baseUrl, maxRetries: 0 });
      const error = await anthropic.messages
        .create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error' },
      });
      await expectUntouched(h, account);
    });

    describe('refused before anything is sent upstream or billed', () => {
      let account: Account;
      let sentBefore: number;
      beforeAll(async () => {
        account = await h.account();
      });
      const start = () => {
        sentBefore = h.fake.requests.length;
      };
      const expectNothing = async () => {
        expect(h.fake.requests.length).toBe(sentBefore);
        await expectUntouched(h, account);
      };

      it('bad, revoked and expired keys: 401 in the caller format (both SDKs raise AuthenticationError)', async () => {
        start();
        const revoked = await h.createKey(account.customerId);
        await h.data.revokeKey(revoked.id, Date.now());
        const expired = await h.createKey(account.customerId, { expiresAt: Date.now() - 1_000 });
        const cases = [
          { key: `tg_${'x'.repeat(40)}`, code: 'invalid_api_key' },
          { key: 'sk-not-a-tollgate-key', code: 'invalid_api_key' },
          { key: revoked.key, code: 'key_revoked' },
          { key: expired.key, code: 'key_expired' },
        ];
        for (const { key, code } of cases) {
          const openai = new OpenAI({ apiKey: key, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
          const error = await openai.chat.completions
            .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
          expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe(code);

          const anthropic = new Anthropic({ apiKey: key, baseURL: h.baseUrl, maxRetries: 0 });
          const aError = await anthropic.messages
            .create({
              model: 'claude-haiku-4-5',
              max_tokens: 64,
              messages: [{ role: 'user', content: 'hi' }],
            })
            .catch((e: unknown) => e);
          expect(aError).toBeInstanceOf(Anthropic.AuthenticationError);
          expect((aError as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
            type: 'error',
            error: { type: 'authentication_error' },
          });
        }
        const missing = await fetch(`${h.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
        expect(missing.status).toBe(401);
        await expectNothing();
      });

      it('a model the key may not call: 403', async () => {
        start();
        const limited = await h.createKey(account.customerId, { models: ['gpt-4o-mini'] });
        const openai = new OpenAI({ apiKey: limited.key, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
        const error = await openai.chat.completions
          .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
        expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_not_allowed');
        await expectNothing();
      });

      it('malformed JSON: 400 in the caller format', async () => {
        start();
        const openai = await post(
          h,
          '/v1/chat/completions',
          account.key,
          '{"model": "gpt-4o-mini", "messages": [',
        );
        expect(openai.status).toBe(400);
        expect(await openai.json()).toMatchObject({
          error: { type: 'invalid_request_error', code: 'invalid_json' },
        });
        const anthropic = await post(h, '/v1/messages', account.key, '{"model": ');
        expect(anthropic.status).toBe(400);
        expect(await anthropic.json()).toMatchObject({
          type: 'error',
          error: { type: 'invalid_request_error' },
        });
        const notObject = await post(h, '/v1/chat/completions', account.key, '[1, 2]');
        expect(notObject.status).toBe(400);
        await expectNothing();
      });

      it('a body over TOLLGATE_BODY_LIMIT_BYTES: 413, declared or streamed', async () => {
        start();
        const small = await h.spawnServer({ TOLLGATE_BODY_LIMIT_BYTES: '1024' });
        const big = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(4_000) }] };
        const declared = await post(small, '/v1/chat/completions', account.key, big);
        expect(declared.status).toBe(413);
        expect(await declared.json()).toMatchObject({ error: { code: 'request_too_large' } });
        const bytes = new TextEncoder().encode(JSON.stringify(big));
        const streamed = await post(small, '/v1/chat/completions', account.key, '', {
          body: new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.subarray(i, i + 512));
              controller.close();
            },
          }),
          duplex: 'half',
        } as RequestInit);
        expect(streamed.status).toBe(413);
        await expectNothing();
        // A body under the limit goes through that same server.
        const other = await h.account();
        const fits = await post(small, '/v1/chat/completions', other.key, {
          model: 'gpt-4o-mini',
          messages: MESSAGES,
        });
        expect(fits.status).toBe(200);
        expect(h.fake.requests.length).toBe(sentBefore + 1);
      });

      it('a model with no rate card: 400 naming the model', async () => {
        const fresh = await h.account();
        const before = h.fake.requests.length;
        await h.data.upsertProvider({
          id: 'vllm',
          kind: 'openai-compatible',
          baseUrl: `${h.fake.url}/v1`,
          apiKeyCiphertext: null,
          createdAt: Date.now(),
          updatedAt: Date.now(),
        });
        await h.runtime.providers.reload();
        for (const model of ['vllm/x', 'gpt-9']) {
          const response = await post(h, '/v1/chat/completions', fresh.key, { model, messages: MESSAGES });
          expect(response.status).toBe(400);
          const body = (await response.json()) as { error: { code: string; message: string; param: string } };
          expect(body.error).toMatchObject({ code: 'model_not_priced', param: 'model' });
          expect(body.error.message).toContain(model);
        }
        const unknown = await post(h, '/v1/chat/completions', fresh.key, {
          model: 'nobody/serves-this',
          messages: MESSAGES,
        });
        expect(unknown.status).toBe(404);
        expect(h.fake.requests.length).toBe(before);
        await expectUntouched(h, fresh);
      });
    });
  });
}
