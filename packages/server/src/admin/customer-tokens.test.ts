import { type MeteredEvent, meteringStore } from '@tollgate/storage';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

const ALLOWED_ORIGIN = 'https://app.example.com';
const NOW = Date.now();

function event(customerId: string, userId: string, fields: Partial<MeteredEvent> = {}): MeteredEvent {
  return {
    id: uniqueId('evt'),
    requestId: uniqueId('req'),
    customerId,
    teamId: null,
    userId,
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
    createdAt: NOW - 60_000,
    ...fields,
  };
}

const READS = ['balance', 'usage', 'budgets', 'events', 'stream'];

describeStores('customer tokens', (ctx) => {
  let api: AdminClient;
  let a: { customerId: string; walletId: string };
  let b: { customerId: string; walletId: string };

  async function mint(customerId: string, fields: { user_id?: string; ttl_s?: number } = {}) {
    const answer = await api.call('POST', '/customer-tokens', {
      body: { customer_id: customerId, ...fields },
    });
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { token: string; kid: string; expires_at: string };
  }

  beforeAll(async () => {
    api = adminClient(ctx.store, {}, undefined, { corsOrigins: [ALLOWED_ORIGIN] });
    a = await api.seedWallet({ grant: 5_000_000 });
    b = await api.seedWallet({ grant: 7_000_000 });
    const expiresAt = new Date(NOW + 5 * 86_400_000).toISOString();
    await api.call('POST', `/wallets/${a.walletId}/grants`, {
      body: { amount: 1_000, expires_at: expiresAt },
    });
    await api.call('POST', '/budgets', {
      body: { scope: { customer_id: a.customerId }, period: 'month', amount: 1_000, mode: 'hard' },
    });
    await meteringStore(ctx.store).insertUsageEvents([
      event(a.customerId, 'ada', { price: 150n }),
      event(a.customerId, 'ada', { price: 250n }),
      event(a.customerId, 'bob', { price: 1_000n }),
      event(b.customerId, 'ada', { price: 9_999n }),
    ]);
  });

  it('mints a token that reads its own balance, usage, budgets and events', async () => {
    const { token, expires_at } = await mint(a.customerId, { ttl_s: 600 });
    expect(token.split('.')).toHaveLength(3);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(590_000);

    const balance = await api.call('GET', `/customers/${a.customerId}/balance`, { key: token });
    expect(balance.status, balance.text).toBe(200);
    expect(balance.body.wallets).toHaveLength(1);
    expect(balance.body.wallets[0]).toMatchObject({
      id: a.walletId,
      balance: 5_001_000,
      available: 5_001_000,
    });
    expect(balance.body.wallets[0].expiring_soon).toEqual([
      expect.objectContaining({ amount: 1_000, expires_at: expect.any(String) }),
    ]);

    const usage = await api.call('GET', `/customers/${a.customerId}/usage`, { key: token });
    expect(usage.status, usage.text).toBe(200);
    expect(usage.body.data[0]).toMatchObject({ requests: 3, price: 1_400 });

    const budgets = await api.call('GET', `/customers/${a.customerId}/budgets`, { key: token });
    expect(budgets.status, budgets.text).toBe(200);
    expect(budgets.body.data[0]).toMatchObject({ amount: 1_000, spent: 0, remaining: 1_000, health: 'ok' });

    const events = await api.call('GET', `/customers/${a.customerId}/events?limit=2`, { key: token });
    expect(events.status, events.text).toBe(200);
    expect(events.body.data).toHaveLength(2);
    expect(events.body.data[0].price).toBe(1_000); // newest first
  });

  it("refuses customer A's token on every route of customer B, and of a customer that does not exist", async () => {
    const { token } = await mint(a.customerId);
    for (const other of [b.customerId, 'no_such_customer']) {
      for (const read of READS) {
        const answer = await api.call('GET', `/customers/${other}/${read}`, { key: token });
        expect(answer.status, `${read}: ${answer.text}`).toBe(403);
        expect(answer.body.error.code).toBe('forbidden');
      }
    }
    // The query token of the stream is held to the same rule.
    const viaQuery = await api.app.request(`/api/v1/customers/${b.customerId}/stream?token=${token}`);
    expect(viaQuery.status).toBe(403);
  });

  it('never lets a customer token act as an admin key', async () => {
    const { token } = await mint(a.customerId);
    const answer = await api.call('GET', `/wallets/${a.walletId}`, { key: token });
    expect(answer.status).toBe(401);
    const minting = await api.call('POST', '/customer-tokens', {
      key: token,
      body: { customer_id: a.customerId },
    });
    expect(minting.status).toBe(401);
  });

  it('answers 401 token_expired once the token has expired', async () => {
    const { token, expires_at } = await mint(a.customerId, { ttl_s: 1 });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expires_at) - Date.now() + 50));
    const answer = await api.call('GET', `/customers/${a.customerId}/balance`, { key: token });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('token_expired');
  });

  it('answers 401 token_invalid to a tampered token', async () => {
    const { token } = await mint(a.customerId);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: b.customerId })).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [`${header}.${forged}.${signature}`, `${header}.${payload}.${flipped}`]) {
      const target = bad.includes(forged) ? b.customerId : a.customerId;
      const answer = await api.call('GET', `/customers/${target}/balance`, { key: bad });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('token_invalid');
    }
  });

  it('keeps old tokens valid after a rotation and signs new ones with the new kid', async () => {
    const before = await mint(a.customerId);
    const rotated = await api.call('POST', '/customer-token-keys/rotate', { body: {} });
    expect(rotated.status, rotated.text).toBe(201);
    const after = await mint(a.customerId);
    expect(after.kid).toBe(rotated.body.kid);
    expect(after.kid).not.toBe(before.kid);
    for (const { token } of [before, after]) {
      const answer = await api.call('GET', `/customers/${a.customerId}/balance`, { key: token });
      expect(answer.status).toBe(200);
    }
    const jwks = await api.call('GET', '/customer-token-keys/jwks.json', { key: null });
    expect(jwks.status).toBe(200);
    const kids = jwks.body.keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([before.kid, after.kid]));
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d"/); // public halves only
  });

  it("shows a user-scoped token only its user's usage and events", async () => {
    const { token } = await mint(a.customerId, { user_id: 'ada' });
    const usage = await api.call('GET', `/customers/${a.customerId}/usage?group_by=user`, { key: token });
    expect(usage.status, usage.text).toBe(200);
    expect(usage.body.data).toEqual([
      expect.objectContaining({ requests: 2, price: 400, group: { user: 'ada' } }),
    ]);
    const events = await api.call('GET', `/customers/${a.customerId}/events`, { key: token });
    expect(events.body.data.map((e: { user_id: string }) => e.user_id)).toEqual(['ada', 'ada']);
    const widened = await api.call('GET', `/customers/${a.customerId}/usage?user_id=bob`, { key: token });
    expect(widened.status).toBe(403);
  });

  it('omits cost and margin from the customer view, not from the admin one', async () => {
    const { token } = await mint(a.customerId);
    const customer = await api.call('GET', `/customers/${a.customerId}/usage`, { key: token });
    for (const field of ['cost', 'margin', 'cache_savings'])
      expect(customer.body.data[0]).not.toHaveProperty(field);
    const events = await api.call('GET', `/customers/${a.customerId}/events`, { key: token });
    expect(events.body.data[0]).not.toHaveProperty('cost');
    const admin = await api.call('GET', `/customers/${a.customerId}/usage`);
    expect(admin.body.data[0]).toMatchObject({ cost: 300, price: 1_400, margin: 1_100 });
  });

  it('answers an allowed origin’s preflight and gives another origin no CORS headers', async () => {
    const preflight = (origin: string) =>
      api.app.request(`/api/v1/customers/${a.customerId}/balance`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await preflight('https://evil.example.net');
    expect([...other.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);

    const { token } = await mint(a.customerId);
    const read = await api.app.request(`/api/v1/customers/${b.customerId}/balance`, {
      headers: { origin: ALLOWED_ORIGIN, authorization: `Bearer ${token}` },
    });
    // Even a refusal carries the header, so the browser shows the kit the error.
    expect(read.status).toBe(403);
    expect(read.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });

  it('refuses a token for a customer that does not exist and a bad ttl', async () => {
    const missing = await api.call('POST', '/customer-tokens', { body: { customer_id: 'nobody_here' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.param).toBe('customer_id');
    const ttl = await api.call('POST', '/customer-tokens', { body: { customer_id: a.customerId, ttl_s: 0 } });
    expect(ttl.status).toBe(400);
    expect(ttl.body.error.param).toBe('ttl_s');
  });
});
