import { adminRoutes } from '@tollgate/contract';
import { type MeteredEvent, meteringStore, PostgresStore, SqliteStore, type Store } from '@tollgate/storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';
import { csvField, microsToDecimal } from './usage-csv.ts';

/** 02:30 summer time in Paris on Sunday 26 October 2031; an hour later clocks have gone back: 02:30 again. */
const T0 = Date.UTC(2031, 9, 26, 0, 30);

function event(customerId: string, fields: Partial<MeteredEvent>): MeteredEvent {
  return {
    id: uniqueId('evt'),
    requestId: uniqueId('req'),
    customerId,
    teamId: 'red',
    userId: 'ada',
    feature: 'chat',
    sessionId: null,
    traceId: null,
    tags: null,
    keyId: null,
    walletId: 'wal_x',
    provider: 'openai',
    model: 'gpt-4o-mini',
    api: 'chat_completions',
    valueUnit: null,
    inputTokens: 100,
    outputTokens: 10,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    cost: 100n,
    price: 150n,
    unit: 'usd',
    cacheStatus: 'miss',
    status: 'ok',
    latencyMs: 10,
    upstreamRequestId: null,
    holdId: null,
    transactionId: null,
    createdAt: T0,
    ...fields,
  };
}

async function addOutcome(
  store: Store,
  row: { customer: string; type: string; session: string; price: number },
) {
  const values = [uniqueId('out'), row.customer, row.type, row.session, row.price, T0];
  const sql = 'INSERT INTO outcomes (id, customer_id, type, session_id, price, created_at) VALUES';
  if (store instanceof SqliteStore) store.db.prepare(`${sql} (?, ?, ?, ?, ?, ?)`).run(...values);
  else if (store instanceof PostgresStore) await store.pool.query(`${sql} ($1, $2, $3, $4, $5, $6)`, values);
}

describe('CSV fields (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
  ])('%j → %j', (value, field) => expect(csvField(value)).toBe(field));

  it('writes micros as exact decimals', () => {
    expect(microsToDecimal(1_500_000)).toBe('1.500000');
    expect(microsToDecimal(-25)).toBe('-0.000025');
  });
});

describeStores('admin usage and margin reports', (ctx) => {
  let api: AdminClient;
  let customer: string;
  const range = `from=${new Date(T0 - 86_400_000).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`;

  beforeAll(async () => {
    api = adminClient(ctx.store);
    customer = uniqueId('cus');
    await meteringStore(ctx.store).insertUsageEvents([
      event(customer, {
        feature: 'chat',
        cost: 100n,
        price: 150n,
        sessionId: 's1',
        tags: { env: 'prod, "eu"' },
      }),
      event(customer, {
        feature: 'chat',
        cost: 300n,
        price: 250n,
        sessionId: 's1',
        createdAt: T0 + 3_600_000,
      }),
      event(customer, {
        feature: 'search',
        cost: 500n,
        price: 400n,
        sessionId: 's2',
        cacheStatus: 'hit',
        cacheSavings: 70n,
      }),
      event(customer, { feature: 'search', cost: 10n, price: 20n, sessionId: 's3', userId: 'bob' }),
    ]);
    await addOutcome(ctx.store, { customer, type: 'ticket_resolved', session: 's1', price: 1_000 });
    await addOutcome(ctx.store, { customer, type: 'ticket_resolved', session: 's2', price: 1_000 });
    await addOutcome(ctx.store, { customer, type: 'ticket_escalated', session: 's3', price: 0 });
  });

  it('answers totals grouped by feature, with every sum', async () => {
    const answer = await api.call('GET', `/usage?${range}&customer_id=${customer}&group_by=feature`);
    expect(answer.status).toBe(200);
    const body = adminRoutes.queryUsage.response.parse(answer.body);
    expect(body.data).toEqual([
      expect.objectContaining({
        group: { feature: 'search' },
        requests: 2,
        cost: 510,
        price: 420,
        margin: -90,
        cache_hits: 1,
        cache_savings: 70,
      }),
      expect.objectContaining({
        group: { feature: 'chat' },
        requests: 2,
        cost: 400,
        price: 400,
        margin: 0,
        input_tokens: 200,
        money_unit: 'usd',
      }),
    ]);
  });

  it('buckets days in the caller’s time zone: 26 October 2031 lasts 25 hours in Paris', async () => {
    const answer = await api.call(
      'GET',
      `/usage?${range}&customer_id=${customer}&granularity=day&tz=Europe/Paris`,
    );
    expect(answer.body.data.map((r: { bucket: string }) => r.bucket)).toEqual(['2031-10-26T00:00:00+02:00']);
    expect(answer.body.data[0].requests).toBe(4);
    const hours = await api.call(
      'GET',
      `/usage?${range}&customer_id=${customer}&granularity=hour&tz=Europe/Paris`,
    );
    expect(hours.body.data.map((r: { bucket: string; requests: number }) => [r.bucket, r.requests])).toEqual([
      ['2031-10-26T02:00:00+02:00', 3],
      ['2031-10-26T02:00:00+01:00', 1],
    ]);
  });

  it('groups by a tag and exports CSV with quoting and decimal amounts', async () => {
    const answer = await api.call(
      'GET',
      `/usage?${range}&customer_id=${customer}&group_by=tag:env&format=csv&amounts=decimal`,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/csv');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-.*\.csv"$/);
    const lines = answer.text.split('\r\n');
    expect(lines[0]).toBe(
      'tag:env,money_unit,requests,input_tokens,output_tokens,cached_input_tokens,cache_creation_input_tokens,reasoning_tokens,cost,price,margin,cache_hits,cache_savings,estimated_requests',
    );
    expect(lines).toContain(',usd,3,300,30,0,0,0,0.000810,0.000670,-0.000140,1,0.000070,0');
    expect(lines).toContain('"prod, ""eu""",usd,1,100,10,0,0,0,0.000100,0.000150,0.000050,0,0.000000,0');
  });

  it('ranks features by margin, losses first', async () => {
    const answer = await api.call('GET', `/reports/margin?${range}&customer_id=${customer}&group_by=feature`);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([
      {
        group: 'search',
        money_unit: 'usd',
        requests: 2,
        cost: 510,
        price: 420,
        margin: -90,
        margin_bps: -2143,
      },
      { group: 'chat', money_unit: 'usd', requests: 2, cost: 400, price: 400, margin: 0, margin_bps: 0 },
    ]);
  });

  it('reports cost per success per outcome type', async () => {
    const answer = await api.call('GET', `/reports/margin?${range}&customer_id=${customer}&group_by=outcome`);
    expect(answer.status).toBe(200);
    const resolved = answer.body.data.find((r: { group: string }) => r.group === 'ticket_resolved');
    // Sessions s1 and s2: cost 100 + 300 + 500 = 900 for two outcomes → 450 each.
    expect(resolved).toEqual({
      group: 'ticket_resolved',
      money_unit: 'usd',
      requests: 3,
      cost: 900,
      price: 2_000 + 800,
      margin: 1_900,
      margin_bps: 6_786,
      outcomes: 2,
      cost_per_success: 450,
    });
  });

  describe('refuses bad queries, naming the field', () => {
    it.each([
      ['tz=Mars/Olympus', 'tz'],
      ['from=2031-01-02T00:00:00Z&to=2031-01-01T00:00:00Z', 'from'],
      ['group_by=feature,colour', 'group_by'],
      ['group_by=tag:bad%20key', 'group_by'],
      ['granularity=week', 'granularity'],
      ['granularity=hour&from=2020-01-01T00:00:00Z&to=2031-01-01T00:00:00Z', 'granularity'],
      ['amounts=decimal', 'amounts'],
      ['limit=0', 'limit'],
      ['from=yesterday', 'from'],
    ])('%s', async (query, param) => {
      const answer = await api.call('GET', `/usage?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param });
    });

    it('group_by of the margin report', async () => {
      const answer = await api.call('GET', '/reports/margin?group_by=colour');
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'group_by' });
    });
  });
});
