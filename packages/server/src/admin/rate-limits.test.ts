import { Ledger } from '@tollgate/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type GatewayRuntime, setupGateway } from '../gateway/setup.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin rate limits', (ctx) => {
  let api: AdminClient;
  let runtime: GatewayRuntime;
  beforeAll(async () => {
    runtime = await setupGateway({
      store: ctx.store,
      ledger: new Ledger(ctx.store),
      outbox: ':memory:',
      env: {},
    });
    api = adminClient(ctx.store, {}, runtime);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('sets a scope, replaces it on a second POST, lists it, and the gateway sees it at once', async () => {
    const customer = uniqueId('cus');
    const first = await api.call('POST', '/rate-limits', {
      body: { scope: { customer_id: customer, user_id: 'u1' }, requests_per_minute: 10 },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      object: 'rate_limit',
      scope: { customer_id: customer, user_id: 'u1', model: null, key_id: null },
      requests_per_minute: 10,
      tokens_per_minute: null,
    });
    const again = await api.call('POST', '/rate-limits', {
      body: { scope: { user_id: 'u1', customer_id: customer }, tokens_per_minute: 5_000 },
    });
    expect(again.body).toMatchObject({
      id: first.body.id,
      requests_per_minute: null,
      tokens_per_minute: 5_000,
    });
    expect(runtime.rateLimiter.rules.all().find((r) => r.id === first.body.id)?.tokensPerMinute).toBe(5_000);
    const list = await api.call('GET', '/rate-limits');
    expect(list.body.data.filter((r: { id: string }) => r.id === first.body.id)).toHaveLength(1);

    const deleted = await api.call('DELETE', `/rate-limits/${first.body.id}`);
    expect(deleted.body).toEqual({ id: first.body.id, object: 'rate_limit', deleted: true });
    expect(runtime.rateLimiter.rules.all().some((r) => r.id === first.body.id)).toBe(false);
    expect((await api.call('DELETE', `/rate-limits/${first.body.id}`)).body.error.code).toBe(
      'rate_limit_not_found',
    );
  });

  it.each([
    [{ scope: {} }, 'requests_per_minute'],
    [{ scope: {}, requests_per_minute: 0 }, 'requests_per_minute'],
    [{ scope: {}, tokens_per_minute: 1.5 }, 'tokens_per_minute'],
    [{ scope: { model: 'gpt *' }, requests_per_minute: 1 }, 'scope.model'],
    [{ scope: { team_id: 't' }, requests_per_minute: 1 }, 'scope'],
  ])('refuses %j naming %s', async (body, param) => {
    const answer = await api.call('POST', '/rate-limits', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toContain(param);
  });

  it('keys carry their own limits', async () => {
    const customer = uniqueId('cus');
    await api.call('POST', '/customers', { body: { id: customer } });
    const created = await api.call('POST', '/keys', {
      body: { customer_id: customer, requests_per_minute: 60, tokens_per_minute: 90_000 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ requests_per_minute: 60, tokens_per_minute: 90_000 });
    const read = await api.call('GET', `/keys/${created.body.id}`);
    expect(read.body).toMatchObject({ requests_per_minute: 60, tokens_per_minute: 90_000 });
    const refused = await api.call('POST', '/keys', {
      body: { customer_id: customer, requests_per_minute: -1 },
    });
    expect(refused.body.error.param).toBe('requests_per_minute');
  });
});
