// The same gateway served through Hono's Web Request/Response (edge runtimes, app.request()),
// instead of the lean node:http path `tollgate start` uses: its adapters get their own run.
process.env.TOLLGATE_TEST_GATEWAY_PATH = 'web';

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureEntry } from '../fake-provider/server.ts';
import type { StoreKind } from '../stores.ts';
import { DEFAULT_GRANT_MICROS, expectedCost, type Harness, startHarness, waitFor } from './harness.ts';

const kind = (inject('stores') as StoreKind[])[0]!;

describe(`gateway over Web Request/Response [${kind}]`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('bills a call and a stream exactly, and a stream the client leaves', async () => {
    const account = await h.account();
    const client = new OpenAI({ apiKey: account.key, baseURL: `${h.baseUrl}/v1`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Name three primary colors.' }];
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    const nonStream = fixtureEntry('openai_chat_nonstream.json').expected_usage!;
    const streamed = fixtureEntry('openai_chat_stream_include_usage.sse').expected_usage!;
    const spent =
      expectedCost('openai', 'gpt-4o-mini', nonStream) + expectedCost('openai', 'gpt-4o-mini', streamed);
    await waitFor(async () => (await h.wallet(account.walletId)).pending === 0n, 5_000, 'both settled');
    expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - spent);

    h.fake.enqueue('/v1/chat/completions', {
      fixture: 'openai_chat_stream_include_usage.sse',
      split: 'events',
      chunkDelayMs: 50,
    });
    const controller = new AbortController();
    const left = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { signal: controller.signal },
    );
    for await (const _ of left) {
      controller.abort();
      break;
    }
    await waitFor(async () => (await h.wallet(account.walletId)).pending === 0n, 5_000, 'the abort settled');
    const events = await h.data.listUsageEvents({ customerId: account.customerId, limit: 10 });
    expect(events.data.map((e) => e.status)).toEqual(['ok', 'ok', 'client_aborted']);
    expect(await h.ledger.verify()).toEqual([]);
  });
});
