import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureEntry } from '../fake-provider/server.ts';
import { type Harness, startHarness, waitFor } from '../gateway/harness.ts';
import type { StoreKind } from '../stores.ts';

/** A tiny OTLP/HTTP JSON receiver: what Tollgate's exporter sends, decoded. */
async function startReceiver() {
  const requests: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface JsonSpan {
  traceId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

function spansOf(body: Record<string, unknown>): JsonSpan[] {
  const resourceSpans = body.resourceSpans as { scopeSpans: { spans: JsonSpan[] }[] }[];
  return resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`OTLP export of gateway calls [${kind}]`, () => {
    let h: Harness;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      receiver = await startReceiver();
      h = await startHarness(kind, {
        TOLLGATE_OTLP_ENDPOINT: receiver.url,
        TOLLGATE_OTLP_HEADERS: 'x-collector-token=s3cret',
        TOLLGATE_OTLP_EXPORT_DELAY_MS: '20',
      });
    });
    afterAll(async () => {
      await h?.close();
      await receiver?.close();
    });

    it('exports one GenAI span per call, child of the caller traceparent, after it is billed', async () => {
      const request = fixtureEntry('openai_chat_nonstream.json').request.body;
      const response = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.key}`,
          'content-type': 'application/json',
          'x-tollgate-user': 'user-42',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        body: JSON.stringify(request),
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-tollgate-request-id');
      await waitFor(() => receiver.requests.length > 0, 10_000, 'the exported span');
      expect(receiver.requests[0]!.headers['x-collector-token']).toBe('s3cret');
      const spans = receiver.requests.flatMap((r) => spansOf(r.body));
      expect(spans).toHaveLength(1);
      const span = spans[0]!;
      expect(span.name).toBe('chat gpt-4o-mini');
      expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(span.parentSpanId).toBe('00f067aa0ba902b7');
      const attributes = Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
      const event = await h.usageEvent(requestId!);
      expect(attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': event!.inputTokens,
        'gen_ai.usage.output_tokens': event!.outputTokens,
        'tollgate.cost_micros': Number(event!.cost),
        'tollgate.price_micros': Number(response.headers.get('x-tollgate-price')),
        'tollgate.customer': h.customerId,
        'tollgate.user': 'user-42',
        'tollgate.request_id': requestId,
        'tollgate.billed': true,
      });
    });
  });
}
