import { adminRoutes } from '@tollgate/contract';
import { newId, type UsageEvent } from '@tollgate/domain';
import {
  PostgresStore,
  SqliteStore,
  type Store,
  USAGE_EVENT_COLUMNS,
  usageEventValues,
} from '@tollgate/storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { encodeCursor } from '../http/cursor.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

/**
 * Writes an event row as the gateway's capture does. Written directly: the stores do not yet
 * persist the ledger's usageEvents writes, and these tests are about the read side.
 */
async function insertEvent(store: Store, event: UsageEvent): Promise<void> {
  const values = usageEventValues(event);
  const columns = USAGE_EVENT_COLUMNS.join(', ');
  if (store instanceof SqliteStore) {
    const marks = values.map(() => '?').join(', ');
    store.db.prepare(`INSERT INTO usage_events (${columns}) VALUES (${marks})`).run(...values);
  } else if (store instanceof PostgresStore) {
    const marks = values.map((_, i) => `$${i + 1}`).join(', ');
    const params = values.map((v) => (typeof v === 'bigint' ? v.toString() : v));
    await store.pool.query(`INSERT INTO usage_events (${columns}) VALUES (${marks})`, params);
  } else {
    throw new Error(`no usage event writer for ${store.dialect}`);
  }
}

describeStores('admin usage events', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  /** One metered call of a customer's wallet. */
  async function meter(walletId: string, customerId: string, fields: Partial<UsageEvent> = {}) {
    const event: UsageEvent = {
      id: newId('evt'),
      requestId: newId('req'),
      customerId,
      teamId: null,
      userId: 'ada',
      feature: 'chat',
      sessionId: null,
      traceId: null,
      tags: { env: 'test' },
      keyId: null,
      walletId,
      provider: 'openai',
      model: 'gpt-4o-mini',
      api: 'chat_completions',
      valueUnit: null,
      inputTokens: 1_200,
      outputTokens: 300,
      cachedInputTokens: 200,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      estimated: false,
      cost: 360n,
      price: 720n,
      unit: 'usd',
      cacheStatus: 'miss',
      status: 'ok',
      latencyMs: 42,
      upstreamRequestId: 'chatcmpl-1',
      holdId: newId('hold'),
      transactionId: newId('txn'),
      createdAt: Date.now(),
      ...fields,
    };
    await insertEvent(ctx.store, event);
    return event;
  }

  it('lists a customer’s events with snake_case fields and the margin', async () => {
    const { customerId, walletId } = await api.seedWallet();
    const event = await meter(walletId, customerId, { cost: 500n, price: 400n, estimated: true });
    const answer = await api.call('GET', `/usage-events?customer_id=${customerId}`);
    expect(answer.status).toBe(200);
    const page = adminRoutes.listUsageEvents.response.parse(answer.body);
    expect(page.next_cursor).toBeNull();
    expect(page.data).toEqual([
      {
        id: event.id,
        object: 'usage_event',
        request_id: event.requestId,
        customer_id: customerId,
        team_id: null,
        user_id: 'ada',
        feature: 'chat',
        session_id: null,
        trace_id: null,
        tags: { env: 'test' },
        key_id: null,
        wallet_id: walletId,
        provider: 'openai',
        model: 'gpt-4o-mini',
        api: 'chat_completions',
        input_tokens: 1_200,
        output_tokens: 300,
        cached_input_tokens: 200,
        cache_creation_input_tokens: 0,
        reasoning_tokens: 0,
        estimated: true,
        cost: 500,
        price: 400,
        margin: -100,
        unit: 'usd',
        cache_status: 'miss',
        status: 'ok',
        latency_ms: 42,
        upstream_request_id: 'chatcmpl-1',
        value_unit: null,
        hold_id: event.holdId,
        transaction_id: event.transactionId,
        created_at: new Date(event.createdAt).toISOString(),
      },
    ]);
  });

  it('filters by request and session, and pages in the order events were written', async () => {
    const { customerId, walletId } = await api.seedWallet();
    const session = uniqueId('run');
    const events = [];
    for (let n = 0; n < 3; n++) events.push(await meter(walletId, customerId, { sessionId: session }));
    const other = await meter(walletId, customerId);

    const bySession = await api.call('GET', `/usage-events?session_id=${session}`);
    expect(bySession.body.data.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
    const byRequest = await api.call('GET', `/usage-events?request_id=${other.requestId}`);
    expect(byRequest.body.data.map((e: { id: string }) => e.id)).toEqual([other.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?customer_id=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.call('GET', `/usage-events${query}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...events, other].map((e) => e.id));
  });

  it('shows nothing of another customer', async () => {
    const mine = await api.seedWallet();
    const theirs = await api.seedWallet();
    await meter(theirs.walletId, theirs.customerId);
    const answer = await api.call('GET', `/usage-events?customer_id=${mine.customerId}`);
    expect(answer.body.data).toEqual([]);
  });

  describe('refuses bad queries, naming the field', () => {
    it.each([
      [`cursor=${encodeCursor('transactions', '1')}`, 'cursor'],
      ['cursor=garbage', 'cursor'],
      ['limit=0', 'limit'],
      ['customer_id=has%20space', 'customer_id'],
      [`session_id=${'x'.repeat(256)}`, 'session_id'],
    ])('%s', async (query, param) => {
      const answer = await api.call('GET', `/usage-events?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param });
    });
  });
});
