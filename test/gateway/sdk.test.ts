import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ExpectedUsage,
  fixtureBytes,
  fixtureEntry,
  type RecordedRequest,
} from '../fake-provider/server.ts';
import type { StoreKind } from '../stores.ts';
import {
  type Account,
  ANTHROPIC_KEY,
  ATTRIBUTION_EXPECTED,
  ATTRIBUTION_HEADERS,
  DEFAULT_GRANT_MICROS,
  expectedCost,
  type Harness,
  OPENAI_KEY,
  startHarness,
} from './harness.ts';

/**
 * The official OpenAI and Anthropic SDKs, unchanged, pointed at Tollgate with its baseURL and a
 * virtual key: each wire format must come back as the provider sent it, and each call must be
 * billed exactly the fixture's usage at the rate card's prices, to the micro.
 */

function usageOf(file: string): ExpectedUsage {
  const usage = fixtureEntry(file).expected_usage;
  if (!usage) throw new Error(`${file} has no expected usage`);
  return usage;
}

function openai(h: Harness, account: Account): OpenAI {
  return new OpenAI({
    apiKey: account.key,
    baseURL: `${h.baseUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: ATTRIBUTION_HEADERS,
  });
}

function anthropic(h: Harness, account: Account): Anthropic {
  return new Anthropic({
    apiKey: account.key,
    baseURL: h.baseUrl,
    maxRetries: 0,
    defaultHeaders: ATTRIBUTION_HEADERS,
  });
}

/** The provider's key went upstream, the virtual key and Tollgate's own headers did not. */
function expectForwardedSafely(
  request: RecordedRequest,
  account: Account,
  provider: 'openai' | 'anthropic',
): void {
  if (provider === 'openai') expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  else expect(request.headers['x-api-key']).toBe(ANTHROPIC_KEY);
  const sent = JSON.stringify(request.headers) + request.raw;
  expect(sent).not.toContain(account.key);
  expect(Object.keys(request.headers).filter((name) => name.startsWith('x-tollgate-'))).toEqual([]);
}

async function expectBilled(
  h: Harness,
  account: Account,
  expected: { provider: string; model: string; api: string; fixture: string },
): Promise<bigint> {
  const usage = usageOf(expected.fixture);
  const cost = expectedCost(expected.provider, expected.model, usage);
  const wallet = await h.wallet(account.walletId);
  expect({ balance: wallet.balance, pending: wallet.pending, owed: wallet.owed }).toEqual({
    balance: DEFAULT_GRANT_MICROS - cost,
    pending: 0n,
    owed: 0n,
  });
  expect(await h.ledger.verify()).toEqual([]);
  const events = (await h.data.listUsageEvents({ customerId: account.customerId, limit: 10 })).data;
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    customerId: account.customerId,
    ...ATTRIBUTION_EXPECTED,
    keyId: account.keyId,
    walletId: account.walletId,
    provider: expected.provider,
    model: expected.model,
    api: expected.api,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.cached_input_tokens,
    cacheCreationInputTokens: usage.cache_creation_input_tokens,
    reasoningTokens: usage.reasoning_tokens,
    cost,
    price: cost,
    unit: 'usd',
    status: 'ok',
    estimated: false,
  });
  return cost;
}

/** SSE `data:` payloads of a body, parsed, [DONE] left out. */
function ssePayloads(text: string): Record<string, unknown>[] {
  return text
    .split(/\n\n/)
    .map((event) =>
      event
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice(6),
    )
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`gateway through the official SDKs [${kind}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('chat.completions.create (non-stream) returns the provider body and bills its usage', async () => {
      const account = await h.account();
      const fixture = 'openai_chat_nonstream.json';
      const request = fixtureEntry(fixture).request
        .body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const { data, response } = await openai(h, account).chat.completions.create(request).withResponse();
      const recorded = JSON.parse(fixtureBytes(fixture).toString('utf8'));
      expect(data).toEqual(recorded);
      const cost = await expectBilled(h, account, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        api: 'chat',
        fixture,
      });
      expect(response.headers.get('x-tollgate-cost')).toBe(String(cost));
      expect(response.headers.get('x-tollgate-price')).toBe(String(cost));
      expect(response.headers.get('x-tollgate-request-id')).toMatch(/^req_/);
      expect(response.headers.get('x-tollgate-balance')).toBe(String(DEFAULT_GRANT_MICROS - cost));
      const upstream = h.fake.requests.at(-1)!;
      expect(upstream.path).toBe('/v1/chat/completions');
      expect(upstream.body).toEqual(request);
      expectForwardedSafely(upstream, account, 'openai');
    });

    it('chat stream without include_usage: Tollgate asks for usage and hides the usage-only chunk', async () => {
      const account = await h.account();
      const stream = await openai(h, account).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Name three primary colors.' }],
        stream: true,
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.filter((c) => c.choices.length === 0 || c.usage)).toEqual([]);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
        'The three primary colors are red, yellow, and blue.',
      );
      const upstream = h.fake.requests.at(-1)!;
      expect(upstream.body?.stream_options).toEqual({ include_usage: true });
      expect(upstream.fixture).toBe('openai_chat_stream_include_usage.sse');
      expectForwardedSafely(upstream, account, 'openai');
      await expectBilled(h, account, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        api: 'chat',
        fixture: 'openai_chat_stream_include_usage.sse',
      });
    });

    it('chat stream with include_usage: the client gets the usage chunk', async () => {
      const account = await h.account();
      const stream = await openai(h, account).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Name three primary colors.' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 12, total_tokens: 24 });
      await expectBilled(h, account, {
        provider: 'openai',
        model: 'gpt-4o-mini',
        api: 'chat',
        fixture: 'openai_chat_stream_include_usage.sse',
      });
    });

    it('an upstream that ignores include_usage: the stream is counted locally, never billed as zero', async () => {
      const account = await h.account();
      const fixture = 'openai_chat_stream_no_usage.sse';
      const entry = fixtureEntry(fixture);
      h.fake.enqueue('/v1/chat/completions', { fixture });
      const request = entry.request.body as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
      const { data: stream, response } = await openai(h, account)
        .chat.completions.create(request)
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      const reference = entry.reference_counts!;
      expect(text).toBe(reference.completion_text);
      const usage = {
        input_tokens: reference.prompt_tokens,
        output_tokens: reference.completion_tokens,
        cached_input_tokens: 0,
        cache_creation_input_tokens: 0,
        reasoning_tokens: 0,
      };
      const cost = expectedCost('openai', 'gpt-4o-mini', usage);
      const wallet = await h.wallet(account.walletId);
      expect([wallet.balance, wallet.pending]).toEqual([DEFAULT_GRANT_MICROS - cost, 0n]);
      const event = await h.usageEvent(response.headers.get('x-tollgate-request-id')!);
      expect(event).toMatchObject({
        status: 'ok',
        estimated: true,
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        cost,
      });
    });

    it('stream chunks reach the SDK as the provider sends them, not at the end', async () => {
      const account = await h.account();
      const chunkDelayMs = 60;
      h.fake.enqueue('/v1/chat/completions', {
        fixture: 'openai_chat_stream_include_usage.sse',
        chunkDelayMs,
      });
      const started = performance.now();
      const stream = await openai(h, account).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Name three primary colors.' }],
        stream: true,
      });
      const arrivals: number[] = [];
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
      const total = performance.now() - started;
      expect(arrivals).toHaveLength(12);
      // 16 events at 60 ms each: the first word arrives after ~2 of them, long before the last.
      expect(total).toBeGreaterThan(15 * chunkDelayMs);
      expect(arrivals[0]!).toBeLessThan(total / 2);
      expect(arrivals[5]! - arrivals[0]!).toBeGreaterThan(4 * chunkDelayMs * 0.8);
    });

    it('a stream passes through byte for byte, even cut at arbitrary byte boundaries', async () => {
      const fixture = 'openai_chat_stream_include_usage.sse';
      const bytes = fixtureBytes(fixture).toString('utf8');
      for (const includeUsage of [true, false]) {
        const account = await h.account();
        h.fake.enqueue('/v1/chat/completions', { fixture, split: 23, chunkDelayMs: 1 });
        const response = await fetch(`${h.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'Name three primary colors.' }],
            stream: true,
            ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
          }),
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
        const text = await response.text();
        if (includeUsage) {
          expect(text).toBe(bytes);
        } else {
          const events = bytes.split(/(?<=\n\n)/);
          const withoutUsage = events.filter((e) => !e.includes('"choices":[],"usage":{')).join('');
          expect(events.length - withoutUsage.split(/(?<=\n\n)/).length).toBe(1);
          expect(text).toBe(withoutUsage);
        }
        expect(ssePayloads(text).length).toBeGreaterThan(10);
        const wallet = await h.wallet(account.walletId);
        expect(wallet.balance).toBe(
          DEFAULT_GRANT_MICROS - expectedCost('openai', 'gpt-4o-mini', usageOf(fixture)),
        );
        expect(wallet.pending).toBe(0n);
      }
    });

    it('responses.create (non-stream)', async () => {
      const account = await h.account();
      const fixture = 'openai_responses_nonstream.json';
      const request = fixtureEntry(fixture).request
        .body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming;
      const response = await openai(h, account).responses.create(request);
      expect(response.usage).toMatchObject({ input_tokens: 1842, output_tokens: 354 });
      expect(response.output_text.length).toBeGreaterThan(0);
      expect(h.fake.requests.at(-1)!.body).toEqual(request);
      await expectBilled(h, account, { provider: 'openai', model: 'gpt-5-mini', api: 'responses', fixture });
    });

    it('responses stream (finalResponse)', async () => {
      const account = await h.account();
      const fixture = 'openai_responses_stream.sse';
      const request = fixtureEntry(fixture).request
        .body as unknown as OpenAI.Responses.ResponseCreateParamsStreaming;
      const stream = openai(h, account).responses.stream(request);
      const types: string[] = [];
      stream.on('event', (event) => types.push(event.type));
      const final = await stream.finalResponse();
      expect(types.at(-1)).toBe('response.completed');
      expect(final.usage).toMatchObject({ input_tokens: 1311, output_tokens: 18 });
      expect(h.fake.requests.at(-1)!.body?.stream_options).toBeUndefined();
      await expectBilled(h, account, {
        provider: 'openai',
        model: 'gpt-4.1-mini',
        api: 'responses',
        fixture,
      });
    });

    it('embeddings.create', async () => {
      const account = await h.account();
      const fixture = 'openai_embeddings.json';
      const request = fixtureEntry(fixture).request.body as unknown as OpenAI.EmbeddingCreateParams;
      const response = await openai(h, account).embeddings.create(request);
      expect(response.data).toHaveLength(2);
      expect(response.data[0]!.embedding).toHaveLength(8);
      expect(response.usage).toEqual({ prompt_tokens: 22, total_tokens: 22 });
      expectForwardedSafely(h.fake.requests.at(-1)!, account, 'openai');
      await expectBilled(h, account, {
        provider: 'openai',
        model: 'text-embedding-3-small',
        api: 'embeddings',
        fixture,
      });
    });

    it('anthropic messages.create (prompt cache: reads and writes priced apart)', async () => {
      const account = await h.account();
      const fixture = 'anthropic_messages_nonstream_prompt_cache.json';
      const request = fixtureEntry(fixture).request
        .body as unknown as Anthropic.MessageCreateParamsNonStreaming;
      const message = await anthropic(h, account).messages.create(request);
      expect(message).toEqual(JSON.parse(fixtureBytes(fixture).toString('utf8')));
      const upstream = h.fake.requests.at(-1)!;
      expect(upstream.path).toBe('/v1/messages');
      expect(upstream.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(upstream.body).toEqual(request);
      expectForwardedSafely(upstream, account, 'anthropic');
      await expectBilled(h, account, {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        api: 'messages',
        fixture,
      });
    });

    it('anthropic messages.stream (finalMessage)', async () => {
      const account = await h.account();
      const fixture = 'anthropic_messages_stream.sse';
      const { stream: _stream, ...request } = fixtureEntry(fixture).request
        .body as unknown as Anthropic.MessageCreateParams;
      const final = await anthropic(h, account).messages.stream(request).finalMessage();
      expect(final.content).toEqual([
        {
          type: 'text',
          text: 'Soft rain on maples—\ncrimson leaves bow to the ground,\nthe year exhales slow.',
        },
      ]);
      expect(final.usage.output_tokens).toBe(23);
      expectForwardedSafely(h.fake.requests.at(-1)!, account, 'anthropic');
      await expectBilled(h, account, {
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        api: 'messages',
        fixture,
      });
    });

    it('anthropic messages.countTokens is forwarded and costs nothing', async () => {
      const account = await h.account();
      const result = await anthropic(h, account).messages.countTokens({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'Hello there' }],
      });
      expect(result.input_tokens).toBe(14);
      const upstream = h.fake.requests.at(-1)!;
      expect(upstream.path).toBe('/v1/messages/count_tokens');
      expectForwardedSafely(upstream, account, 'anthropic');
      const wallet = await h.wallet(account.walletId);
      expect([wallet.balance, wallet.pending]).toEqual([DEFAULT_GRANT_MICROS, 0n]);
    });

    it('models.list lists priced models', async () => {
      const account = await h.account();
      const ids: string[] = [];
      for await (const model of openai(h, account).models.list()) ids.push(model.id);
      expect(ids).toEqual(
        expect.arrayContaining(['gpt-4o-mini', 'claude-haiku-4-5', 'text-embedding-3-small']),
      );
    });
  });
}
