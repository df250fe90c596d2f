import { createHash } from 'node:crypto';
import { adminRoutes } from '@tollgate/contract';
import { Ledger } from '@tollgate/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type GatewayRuntime, setupGateway } from '../gateway/setup.ts';
import { encodeCursor } from '../http/cursor.ts';
import { gatewayData } from './deps.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

const TEST_SECRET = 'test-secret-of-32-characters-xx';
const IN_A_DAY_MS = 24 * 60 * 60 * 1000;

describeStores('admin keys', (ctx) => {
  let api: AdminClient;
  let runtime: GatewayRuntime;
  beforeAll(async () => {
    runtime = await setupGateway({
      store: ctx.store,
      ledger: new Ledger(ctx.store),
      outbox: ':memory:',
      env: { TOLLGATE_SECRET: TEST_SECRET },
    });
    api = adminClient(ctx.store, {}, runtime);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  async function customer(): Promise<string> {
    const id = uniqueId('cus');
    expect((await api.call('POST', '/customers', { body: { id } })).status).toBe(201);
    return id;
  }

  async function keysOf(customerId: string) {
    return gatewayData(ctx.store).listKeys(customerId, null, 100);
  }

  it('creates a key, shows it once and stores only its digest', async () => {
    const customerId = await customer();
    const created = await api.call('POST', '/keys', { body: { customer_id: customerId, name: 'backend' } });
    expect(created.status).toBe(201);
    const body = adminRoutes.createKey.response.parse(created.body);
    expect(body).toMatchObject({ object: 'key', customer_id: customerId, name: 'backend', status: 'active' });
    expect(body.id).toMatch(/^key_/);
    expect(body.key).toMatch(/^tg_[0-9A-Za-z]{40}$/);
    expect(body.key.startsWith(body.prefix)).toBe(true);
    expect(body.prefix.length).toBeLessThan(body.key.length / 2);

    const stored = await gatewayData(ctx.store).getKey(body.id);
    expect(stored?.digest).toBe(createHash('sha256').update(body.key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(body.key);

    const fetched = await api.call('GET', `/keys/${body.id}`);
    expect(fetched.status).toBe(200);
    const { key: _shownOnce, ...withoutKey } = body;
    expect(fetched.body).toEqual(withoutKey);
    expect(fetched.text).not.toContain(body.key);
    const listed = await api.call('GET', `/keys?customer_id=${customerId}`);
    expect(listed.body.data).toEqual([withoutKey]);
    expect(listed.text).not.toContain(body.key);
    expect(listed.text).not.toContain(stored!.digest);

    const resolved = await runtime.keys.authenticate(body.key);
    expect(resolved).toMatchObject({ id: body.id, customerId });
  });

  it('binds the team, user, feature, models, wallet and expiry it is given', async () => {
    const { customerId, walletId } = await api.seedWallet();
    const expiresAt = new Date(Date.now() + IN_A_DAY_MS).toISOString();
    const created = await api.call('POST', '/keys', {
      body: {
        customer_id: customerId,
        team_id: 'team-a',
        user_id: 'ada@example.com',
        feature: 'summaries',
        models: ['gpt-4o-mini', 'claude-*'],
        wallet_id: walletId,
        expires_at: expiresAt,
        end_stream_on_hold_exhausted: true,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      team_id: 'team-a',
      user_id: 'ada@example.com',
      feature: 'summaries',
      models: ['gpt-4o-mini', 'claude-*'],
      wallet_id: walletId,
      expires_at: expiresAt,
      end_stream_on_hold_exhausted: true,
      revoked_at: null,
    });
    const resolved = await runtime.keys.authenticate(created.body.key);
    expect(resolved).toMatchObject({ teamId: 'team-a', models: ['gpt-4o-mini', 'claude-*'], walletId });
  });

  it('answers 404 for an unknown customer and writes nothing', async () => {
    const customerId = uniqueId('ghost');
    const answer = await api.call('POST', '/keys', { body: { customer_id: customerId } });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'customer_not_found', param: 'customer_id' });
    expect(await keysOf(customerId)).toEqual([]);
  });

  it("refuses a wallet that is missing or another customer's", async () => {
    const customerId = await customer();
    const other = await api.seedWallet();
    const foreign = await api.call('POST', '/keys', {
      body: { customer_id: customerId, wallet_id: other.walletId },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 'customer_mismatch', param: 'wallet_id' });
    const missing = await api.call('POST', '/keys', {
      body: { customer_id: customerId, wallet_id: 'wal_nope' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'wallet_not_found', param: 'wallet_id' });
    expect(await keysOf(customerId)).toEqual([]);
  });

  describe('refuses bad input, naming the field, writing nothing', () => {
    const past = new Date(Date.now() - 1000).toISOString();
    it.each([
      [{}, 'parameter_missing', 'customer_id'],
      [{ models: [] }, 'parameter_invalid', 'models'],
      [{ models: ['*'] }, 'parameter_invalid', 'models.0'],
      [{ models: ['gpt-4o', 'gpt*4'] }, 'parameter_invalid', 'models.1'],
      [{ models: ['has space'] }, 'parameter_invalid', 'models.0'],
      [{ models: 'gpt-4o' }, 'parameter_invalid', 'models'],
      [{ expires_at: past }, 'parameter_invalid', 'expires_at'],
      [{ expires_at: 'tomorrow' }, 'parameter_invalid', 'expires_at'],
      [{ end_stream_on_hold_exhausted: 'yes' }, 'parameter_invalid', 'end_stream_on_hold_exhausted'],
      [{ name: '' }, 'parameter_invalid', 'name'],
      [{ team_id: 'has space' }, 'parameter_invalid', 'team_id'],
      [{ key: 'tg_mine' }, 'parameter_invalid', 'key'],
    ])('%j → %s %s', async (fields, code, param) => {
      const customerId = await customer();
      const body =
        'customer_id' in fields || Object.keys(fields).length === 0
          ? fields
          : { customer_id: customerId, ...fields };
      const answer = await api.call('POST', '/keys', { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code, param });
      expect(answer.body.error.message).toContain(param);
      expect(await keysOf(customerId)).toEqual([]);
    });
  });

  it('revokes a key at once on this instance, and keeps the first revocation time', async () => {
    const customerId = await customer();
    const created = await api.call('POST', '/keys', { body: { customer_id: customerId } });
    // Cached now: only the invalidation makes the revocation immediate.
    await runtime.keys.authenticate(created.body.key);
    const revoked = await api.call('POST', `/keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(adminRoutes.revokeKey.response.parse(revoked.body)).toMatchObject({
      id: created.body.id,
      status: 'revoked',
    });
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    expect(revoked.text).not.toContain(created.body.key);
    await expect(runtime.keys.authenticate(created.body.key)).rejects.toMatchObject({ code: 'key_revoked' });

    const again = await api.call('POST', `/keys/${created.body.id}/revoke`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    expect((await api.call('GET', `/keys/${created.body.id}`)).body.status).toBe('revoked');
  });

  it('shows a key past its expiry as expired', async () => {
    const customerId = await customer();
    const created = await api.call('POST', '/keys', {
      body: { customer_id: customerId, expires_at: new Date(Date.now() + 150).toISOString() },
    });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await api.call('GET', `/keys/${created.body.id}`)).body.status).toBe('expired');
  });

  it.each([
    ['GET', '/keys/key_nope'],
    ['POST', '/keys/key_nope/revoke'],
  ])('answers 404 key_not_found to %s %s', async (method, path) => {
    const answer = await api.call(method, path);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('key_not_found');
  });

  it("pages through one customer's keys", async () => {
    const customerId = await customer();
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push((await api.call('POST', '/keys', { body: { customer_id: customerId } })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?customer_id=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.call('GET', `/keys${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((k: { id: string }) => k.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
    const foreign = await api.call('GET', `/keys?cursor=${encodeCursor('wallets', 'x')}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 'parameter_invalid', param: 'cursor' });
  });
});
