import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Account,
  DEFAULT_GRANT_MICROS,
  expectedCost,
  type Harness,
  startHarness,
} from '../gateway/harness.ts';
import type { StoreKind } from '../stores.ts';
import { type CallSpec, type ExporterKind, exportSpans, recordSpans } from './spans.ts';

/**
 * Apps that call their provider directly report the calls as OpenTelemetry spans to Tollgate's
 * /v1/traces, through the official OTLP/HTTP exporters: each GenAI span is billed exactly its
 * rate-card price, once, however often the batch is sent.
 */

const ATTRIBUTION = {
  'tollgate.user': 'user-42',
  'tollgate.feature': 'summaries',
  'tollgate.session': 'sess-7',
  'tollgate.tags.env': 'test',
};
const CALLS: CallSpec[] = [
  { provider: 'openai', model: 'gpt-4o-mini', input: 1_200, output: 345, attributes: ATTRIBUTION },
  {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    input: 2_000,
    output: 50,
    attributes: {
      ...ATTRIBUTION,
      'gen_ai.usage.cache_read.input_tokens': 1_500,
      'gen_ai.usage.cache_creation.input_tokens': 100,
    },
  },
];

function costOf(call: CallSpec): bigint {
  const tokens = (name: string) => Number(call.attributes?.[name] ?? 0);
  return expectedCost(call.provider, call.model, {
    input_tokens: call.input,
    output_tokens: call.output ?? 0,
    cached_input_tokens: tokens('gen_ai.usage.cache_read.input_tokens'),
    cache_creation_input_tokens: tokens('gen_ai.usage.cache_creation.input_tokens'),
    reasoning_tokens: 0,
  });
}

async function postJson(h: Harness, key: string, body: unknown): Promise<Response> {
  return fetch(`${h.baseUrl}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** One OTLP/JSON span, written by hand as a non-JS exporter would (int64 as strings). */
function jsonSpan(spanId: string, attributes: Record<string, string | number>) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py-app' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                spanId,
                name: 'chat',
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000250000000',
                attributes: Object.entries(attributes).map(([key, value]) => ({
                  key,
                  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
                })),
              },
            ],
          },
        ],
      },
    ],
  };
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`OTLP ingestion at /v1/traces [${kind}]`, () => {
    let h: Harness;
    let url: string;
    beforeAll(async () => {
      h = await startHarness(kind);
      url = `${h.baseUrl}/v1/traces`;
    });
    afterAll(async () => {
      await h?.close();
    });

    async function balance(account: Account): Promise<bigint> {
      const wallet = await h.wallet(account.walletId);
      expect(wallet.owed).toBe(0n);
      return wallet.balance;
    }

    for (const [exporter, gzip] of [
      ['json', false],
      ['proto', false],
      ['proto', true],
      ['json', true],
    ] as [ExporterKind, boolean][]) {
      it(`bills GenAI spans from the official ${exporter} exporter${gzip ? ' (gzip)' : ''} exactly, once`, async () => {
        const account = await h.account(DEFAULT_GRANT_MICROS, { teamId: 'team-blue' });
        const spans = await recordSpans(CALLS, { 'tollgate.tags.region': 'eu' });
        expect(spans).toHaveLength(3); // two calls and their parent, which has no usage
        expect(await exportSpans(exporter, url, account.key, spans, { gzip })).toEqual({ ok: true });
        const cost = CALLS.map(costOf).reduce((a, b) => a + b, 0n);
        expect(cost).toBeGreaterThan(0n);
        expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS - cost);

        const events = (await h.data.listUsageEvents({ customerId: account.customerId, limit: 10 })).data;
        expect(events).toHaveLength(2);
        for (const [i, call] of CALLS.entries()) {
          const span = spans.find((s) => s.attributes['gen_ai.request.model'] === call.model)!;
          const event = events.find((e) => e.requestId === `span_${span.spanContext().spanId}`);
          expect(event).toMatchObject({
            customerId: account.customerId,
            teamId: 'team-blue', // from the key
            userId: 'user-42',
            feature: 'summaries',
            sessionId: 'sess-7',
            tags: { env: 'test', region: 'eu' },
            traceId: span.spanContext().traceId,
            keyId: account.keyId,
            walletId: account.walletId,
            provider: call.provider,
            model: call.model,
            api: 'otlp',
            inputTokens: call.input,
            outputTokens: call.output,
            cost: costOf(CALLS[i]!),
            price: costOf(CALLS[i]!),
            status: 'ok',
            estimated: false,
            holdId: null,
          });
        }

        // The exporter retries, a collector replays: the same spans bill nothing more, in either encoding.
        expect(await exportSpans('json', url, account.key, spans)).toEqual({ ok: true });
        expect(await exportSpans('proto', url, account.key, spans, { gzip: true })).toEqual({ ok: true });
        expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS - cost);
        expect(
          (await h.data.listUsageEvents({ customerId: account.customerId, limit: 10 })).data,
        ).toHaveLength(2);
      });
    }

    it('rejects a span of an unpriced model in partialSuccess and bills nothing for it', async () => {
      const account = await h.account();
      const spans = await recordSpans([
        { provider: 'openai', model: 'gpt-4o-mini', input: 100, output: 10 },
        { provider: 'openai', model: 'mystery-model-9', input: 100, output: 10 },
      ]);
      // The official exporters take partialSuccess as delivered (and warn): nothing to retry.
      expect(await exportSpans('proto', url, account.key, spans)).toEqual({ ok: true });
      const priced = costOf({ provider: 'openai', model: 'gpt-4o-mini', input: 100, output: 10 });
      expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS - priced);

      const other = await h.account();
      const response = await postJson(
        h,
        other.key,
        jsonSpan('00f067aa0ba902b7', {
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'mystery-model-9',
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 10,
        }),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        partialSuccess: { rejectedSpans: number; errorMessage: string };
      };
      expect(body.partialSuccess.rejectedSpans).toBe(1);
      expect(body.partialSuccess.errorMessage).toContain('mystery-model-9');
      expect(await balance(other)).toBe(DEFAULT_GRANT_MICROS);
      expect((await h.data.listUsageEvents({ customerId: other.customerId, limit: 10 })).data).toEqual([]);
    });

    it('bills a hand-written OTLP/JSON span (int64 as strings) and answers {}', async () => {
      const account = await h.account();
      const response = await postJson(
        h,
        account.key,
        jsonSpan('00f067aa0ba902b8', {
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.usage.input_tokens': 1_000,
          'gen_ai.usage.output_tokens': 200,
          'gen_ai.response.id': 'chatcmpl-1',
        }),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      const cost = costOf({ provider: 'openai', model: 'gpt-4o-mini', input: 1_000, output: 200 });
      expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS - cost);
      const [event] = await h.usageEvents('span_00f067aa0ba902b8');
      expect(event).toMatchObject({
        model: 'gpt-4o-mini-2024-07-18',
        latencyMs: 250,
        upstreamRequestId: 'chatcmpl-1',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      });
    });

    it('rejects, without billing, spans that are incomplete, widen the key or reuse ids with other usage', async () => {
      const account = await h.account(DEFAULT_GRANT_MICROS, { userId: 'user-1' });
      const usage = {
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 10,
      };
      const cases: [string, Record<string, string | number>, string][] = [
        ['00000000000000a1', usage, 'gen_ai.usage.output_tokens'],
        [
          '00000000000000a2',
          { ...usage, 'gen_ai.usage.output_tokens': 1, 'tollgate.user': 'user-2' },
          'tollgate.user',
        ],
        [
          '00000000000000a3',
          {
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 1,
            'gen_ai.usage.output_tokens': 1,
          },
          'gen_ai.provider.name',
        ],
        [
          '00000000000000a4',
          { ...usage, 'gen_ai.usage.output_tokens': 1, 'gen_ai.usage.cache_read.input_tokens': 11 },
          'cache_read',
        ],
      ];
      for (const [spanId, attributes, named] of cases) {
        const response = await postJson(h, account.key, jsonSpan(spanId, attributes));
        const body = (await response.json()) as {
          partialSuccess?: { rejectedSpans: number; errorMessage: string };
        };
        expect(body.partialSuccess?.rejectedSpans, spanId).toBe(1);
        expect(body.partialSuccess?.errorMessage).toContain(named);
      }
      expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS);

      const first = await postJson(
        h,
        account.key,
        jsonSpan('00000000000000b1', { ...usage, 'gen_ai.usage.output_tokens': 5 }),
      );
      expect(await first.json()).toEqual({});
      const billed = await balance(account);
      const changed = await postJson(
        h,
        account.key,
        jsonSpan('00000000000000b1', { ...usage, 'gen_ai.usage.output_tokens': 6 }),
      );
      const body = (await changed.json()) as {
        partialSuccess?: { rejectedSpans: number; errorMessage: string };
      };
      expect(body.partialSuccess?.errorMessage).toContain('already billed');
      expect(await balance(account)).toBe(billed);
    });

    it('ignores the spans Tollgate itself exported for calls it billed', async () => {
      const account = await h.account();
      const response = await postJson(h, account.key, {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    ...jsonSpan('00000000000000c1', {
                      'gen_ai.system': 'openai',
                      'gen_ai.request.model': 'gpt-4o-mini',
                      'gen_ai.usage.input_tokens': 10,
                      'gen_ai.usage.output_tokens': 10,
                    }).resourceSpans[0]!.scopeSpans[0]!.spans[0]!,
                    attributes: [
                      { key: 'gen_ai.system', value: { stringValue: 'openai' } },
                      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                      { key: 'gen_ai.usage.input_tokens', value: { intValue: 10 } },
                      { key: 'gen_ai.usage.output_tokens', value: { intValue: 10 } },
                      { key: 'tollgate.billed', value: { boolValue: true } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      });
      expect(await response.json()).toEqual({});
      expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS);
    });

    it('refuses a bad key with 401 and a malformed body with 400 naming the problem', async () => {
      const spans = await recordSpans([CALLS[0]!]);
      const refused = await exportSpans('json', url, 'tg_not-a-real-key', spans);
      expect(refused.ok).toBe(false);
      expect((refused.error as { code?: number } | undefined)?.code).toBe(401);
      expect((await postJson(h, 'tg_nope', {})).status).toBe(401);
      expect(
        (await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }))
          .status,
      ).toBe(401);

      const account = await h.account();
      const notJson = await postJson(h, account.key, '{"resourceSpans": [');
      expect(notJson.status).toBe(400);
      expect(((await notJson.json()) as { message: string }).message).toContain('JSON');
      const wrongShape = await postJson(h, account.key, {
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 7 }] }] }],
      });
      expect(wrongShape.status).toBe(400);
      expect(((await wrongShape.json()) as { message: string }).message).toContain(
        'resourceSpans.0.scopeSpans.0.spans.0.traceId',
      );
      const garbage = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/x-protobuf' },
        body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
      });
      expect(garbage.status).toBe(400);
      expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
      const notGzip = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${account.key}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: '{}',
      });
      expect(notGzip.status).toBe(400);
      const gzipped = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${account.key}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: gzipSync('{}'),
      });
      expect(gzipped.status).toBe(200);
      const wrongType = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.key}`, 'content-type': 'text/plain' },
        body: '{}',
      });
      expect(wrongType.status).toBe(415);
      expect(await balance(account)).toBe(DEFAULT_GRANT_MICROS);
    });
  });
}
