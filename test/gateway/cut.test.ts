import Anthropic from '@anthropic-ai/sdk';
import { anthropicAdapter, countTokens, openAiAdapter } from '@tollgate/providers';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StoreKind } from '../stores.ts';
import { cardFor, type Harness, startHarness } from './harness.ts';

/**
 * A key with end_stream_on_hold_exhausted: a stream the wallet cannot fully afford starts on what
 * the wallet has, and ends cleanly (as if the model hit its limit) when that is used up, instead
 * of overrunning the wallet.
 */
const costOf = (card: ReturnType<typeof cardFor>, input: number, output: number): bigint =>
  (BigInt(input) * BigInt(card.input) * 2n + BigInt(output) * BigInt(card.output) * 2n + 1_000_000n) /
  2_000_000n;

for (const kind of inject('stores') as StoreKind[]) {
  describe(`streams stop at their hold [${kind}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('Anthropic: the SDK sees stop_reason max_tokens, the wallet is never overdrawn', async () => {
      const body = {
        model: 'claude-opus-4-1',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'Write a haiku.' }],
      };
      const card = cardFor('anthropic', 'claude-opus-4-1');
      const prompt = anthropicAdapter().countInput('messages', body, body.model).tokens;
      // Enough for the prompt and 20 output tokens: the recorded answer has 23.
      const grant = costOf(card, prompt, 20);
      const account = await h.account(grant, { endStreamOnHoldExhausted: true });
      h.fake.enqueue('/v1/messages', {
        fixture: 'anthropic_messages_stream.sse',
        split: 'events',
        chunkDelayMs: 2,
      });
      const client = new Anthropic({ baseURL: h.baseUrl, apiKey: account.key, maxRetries: 0 });
      const message = await client.messages.stream(body as Anthropic.MessageCreateParams).finalMessage();
      expect(message.stop_reason).toBe('max_tokens');
      // The provider is stopped, not read to its end.
      const upstream = h.fake.requests.at(-1)!;
      await upstream.done;
      expect(upstream.closedEarly).toBe(true);
      const wallet = await h.wallet(account.walletId);
      expect(wallet.pending).toBe(0n);
      expect(wallet.owed).toBe(0n);
      expect(wallet.balance).toBeGreaterThanOrEqual(0n);
      const events = await h.data.listUsageEvents({ customerId: account.customerId, limit: 5 });
      expect(events.data).toHaveLength(1);
      expect(events.data[0]).toMatchObject({ status: 'hold_exhausted', estimated: true });
      expect(events.data[0]!.price).toBeLessThanOrEqual(grant);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('OpenAI: the last chunk has finish_reason length, then [DONE]', async () => {
      const messages = [{ role: 'user', content: 'Name three primary colors.' }];
      const card = cardFor('openai', 'gpt-4o');
      const prompt = openAiAdapter().countInput('chat', { messages }, 'gpt-4o').tokens;
      const answerTokens = countTokens('The three primary colors are red, blue, and yellow.');
      // The floor is prompt + 8 output tokens; grant a little above it, below the answer's cost.
      const grant = costOf(card, prompt, 8) + 1n;
      expect(grant).toBeLessThan(costOf(card, prompt, answerTokens + 5));
      const account = await h.account(grant, { endStreamOnHoldExhausted: true });
      h.fake.enqueue('/v1/chat/completions', {
        fixture: 'openai_chat_stream_include_usage.sse',
        split: 'events',
        chunkDelayMs: 2,
      });
      const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: account.key, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: messages as never,
        stream: true,
        max_tokens: 2000,
      });
      const reasons: (string | null)[] = [];
      for await (const chunk of stream) reasons.push(chunk.choices[0]?.finish_reason ?? null);
      expect(reasons.at(-1)).toBe('length');
      const wallet = await h.wallet(account.walletId);
      expect({ pending: wallet.pending, owed: wallet.owed }).toEqual({ pending: 0n, owed: 0n });
      expect(wallet.balance).toBeGreaterThanOrEqual(0n);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('without the option, the same wallet is refused up front (402) and nothing goes upstream', async () => {
      const body = {
        model: 'claude-opus-4-1',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'Write a haiku.' }],
      };
      const account = await h.account(1_000n);
      const before = h.fake.requests.length;
      const client = new Anthropic({ baseURL: h.baseUrl, apiKey: account.key, maxRetries: 0 });
      await expect(
        client.messages.create({ ...body, stream: true } as Anthropic.MessageCreateParams),
      ).rejects.toMatchObject({
        status: 402,
      });
      expect(h.fake.requests.length).toBe(before);
    });
  });
}
