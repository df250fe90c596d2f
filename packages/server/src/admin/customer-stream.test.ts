import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { WalletEvents } from '../customer-tokens/wallet-events.ts';
import { type Listening, listen } from '../runtime/listen.ts';
import { type AdminClient, adminClient } from './test-client.ts';

interface SseEvent {
  event: string;
  data: string;
}

/** Reads Server-Sent Events off a fetch body, one at a time. */
function sseReader(body: NonNullable<Response['body']>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<SseEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const field = (name: string) =>
            lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trimStart());
          if (field('event').length === 0 && field('data').length === 0) continue; // a comment
          return { event: field('event')[0] ?? 'message', data: field('data').join('\n') };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describeStores('customer stream (SSE)', (ctx) => {
  let api: AdminClient;
  let server: Listening;
  let base: string;

  beforeAll(async () => {
    const walletEvents = new WalletEvents();
    api = adminClient(ctx.store, {}, undefined, { walletEvents });
    // As start.ts does: the ledger's commits reach the open streams.
    api.ledger.onCommitted((ids) => walletEvents.publish(ids));
    server = await listen(api.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}/api/v1`;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('sends a snapshot, then a balance event within 2 s of a deduction on the wallet', async () => {
    const own = await api.seedWallet({ grant: 1_000_000 });
    const minted = await api.call('POST', '/customer-tokens', { body: { customer_id: own.customerId } });
    const response = await fetch(`${base}/customers/${own.customerId}/stream`, {
      headers: { authorization: `Bearer ${minted.body.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = sseReader(response.body!);
    try {
      const snapshot = await events.next();
      expect(snapshot.event).toBe('snapshot');
      const first = JSON.parse(snapshot.data);
      expect(first.balance.wallets[0]).toMatchObject({ id: own.walletId, balance: 1_000_000 });
      expect(first.budgets.data).toEqual([]);

      const startedMs = Date.now();
      const deducted = await api.call('POST', `/wallets/${own.walletId}/deductions`, {
        body: { amount: 250_000 },
        idempotencyKey: `stream-${own.walletId}`,
      });
      expect(deducted.status, deducted.text).toBe(201);
      const change = await events.next();
      expect(Date.now() - startedMs).toBeLessThan(2_000);
      expect(change.event).toBe('balance');
      expect(JSON.parse(change.data).wallets[0]).toMatchObject({ id: own.walletId, balance: 750_000 });
    } finally {
      await events.cancel();
    }
  });

  it('takes the token as ?token= (EventSource) and refuses another customer’s', async () => {
    const own = await api.seedWallet();
    const other = await api.seedWallet();
    const minted = await api.call('POST', '/customer-tokens', { body: { customer_id: own.customerId } });
    const token = encodeURIComponent(minted.body.token);
    const refused = await fetch(`${base}/customers/${other.customerId}/stream?token=${token}`);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { code: string } };
    expect(body.error.code).toBe('forbidden');
    const accepted = await fetch(`${base}/customers/${own.customerId}/stream?token=${token}`);
    expect(accepted.status).toBe(200);
    const events = sseReader(accepted.body!);
    expect((await events.next()).event).toBe('snapshot');
    await events.cancel();
  });
});
