import { adminRoutes } from '@tollgate/contract';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin wallets', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  it('creates a wallet with defaults and reads it back', async () => {
    const customerId = uniqueId('cus');
    await api.call('POST', '/customers', { body: { id: customerId } });
    const created = await api.call('POST', '/wallets', { body: { customer_id: customerId, unit: 'usd' } });
    expect(created.status).toBe(201);
    const wallet = adminRoutes.createWallet.response.parse(created.body);
    expect(wallet).toMatchObject({
      object: 'wallet',
      customer_id: customerId,
      team_id: null,
      unit: 'usd',
      overdraft_limit: 0,
      capture_policy: 'reject',
      status: 'active',
      balance: 0,
      pending: 0,
      available: 0,
    });
    expect((await api.call('GET', `/wallets/${wallet.id}`)).body).toEqual(created.body);
  });

  it('takes the caller id, team, overdraft and policy; money as a string', async () => {
    const customerId = uniqueId('cus');
    await api.call('POST', '/customers', { body: { id: customerId } });
    const id = uniqueId('wal');
    const body = {
      id,
      customer_id: customerId,
      unit: 'credits',
      team_id: 'team_a',
      overdraft_limit: '5000',
      capture_policy: 'cap',
    };
    const created = await api.call('POST', '/wallets', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id,
      team_id: 'team_a',
      overdraft_limit: 5000,
      capture_policy: 'cap',
    });
    const again = await api.call('POST', '/wallets', { body });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'resource_already_exists', param: 'id' });
  });

  it('refuses a wallet for a customer that does not exist, writing nothing', async () => {
    const answer = await api.call('POST', '/wallets', { body: { customer_id: 'ghost', unit: 'usd' } });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'customer_not_found', param: 'customer_id' });
    expect((await api.call('GET', '/wallets?customer_id=ghost')).body.data).toEqual([]);
  });

  it.each([
    [{ unit: 'usd' }, 'parameter_missing', 'customer_id'],
    [{ customer_id: 'c' }, 'parameter_missing', 'unit'],
    [{ customer_id: 'c', unit: 'USD' }, 'parameter_invalid', 'unit'],
    [{ customer_id: 'c', unit: 'usd', overdraft_limit: -1 }, 'parameter_invalid', 'overdraft_limit'],
    [{ customer_id: 'c', unit: 'usd', overdraft_limit: 0.5 }, 'parameter_invalid', 'overdraft_limit'],
    [{ customer_id: 'c', unit: 'usd', capture_policy: 'maybe' }, 'parameter_invalid', 'capture_policy'],
  ])('refuses %j with %s %s', async (body, code, param) => {
    const answer = await api.call('POST', '/wallets', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code, param });
  });

  it('lists the wallets of a customer, page by page', async () => {
    const { customerId, walletId } = await api.seedWallet();
    const second = await api.call('POST', '/wallets', { body: { customer_id: customerId, unit: 'credits' } });
    const first = await api.call('GET', `/wallets?customer_id=${customerId}&limit=1`);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await api.call(
      'GET',
      `/wallets?customer_id=${customerId}&limit=1&cursor=${first.body.next_cursor}`,
    );
    const ids = [...first.body.data, ...rest.body.data].map((w: { id: string }) => w.id).sort();
    expect(ids).toEqual([walletId, second.body.id].sort());
    expect(rest.body.next_cursor).toBeNull();
    const wrongList = await api.call('GET', `/transactions?cursor=${first.body.next_cursor}`);
    expect(wrongList.body.error).toMatchObject({ code: 'parameter_invalid', param: 'cursor' });
  });

  it('freezes a wallet (spending refused with 409) and unfreezes it', async () => {
    const { walletId } = await api.seedWallet({ grant: 1000 });
    const frozen = await api.call('PATCH', `/wallets/${walletId}`, { body: { status: 'frozen' } });
    expect(frozen.status).toBe(200);
    expect(frozen.body.status).toBe('frozen');
    const refused = await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 1 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('wallet_frozen');
    await api.call('PATCH', `/wallets/${walletId}`, { body: { status: 'active' } });
    expect((await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 1 } })).status).toBe(
      201,
    );
  });

  it('changes the overdraft limit, but never below what is already used', async () => {
    const { walletId } = await api.seedWallet({ overdraft_limit: 500 });
    expect(
      (await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 300 } })).status,
    ).toBe(201);
    const tooLow = await api.call('PATCH', `/wallets/${walletId}`, { body: { overdraft_limit: 299 } });
    expect(tooLow.status).toBe(409);
    expect(tooLow.body.error).toMatchObject({ code: 'overdraft_limit_too_low', param: 'overdraft_limit' });
    const raised = await api.call('PATCH', `/wallets/${walletId}`, {
      body: { overdraft_limit: 300, capture_policy: 'overflow' },
    });
    expect(raised.body).toMatchObject({
      overdraft_limit: 300,
      capture_policy: 'overflow',
      balance: -300,
      available: -300,
    });
  });

  it('answers 404 for an unknown wallet on every wallet route', async () => {
    for (const [method, path, body] of [
      ['GET', '/wallets/nope', undefined],
      ['PATCH', '/wallets/nope', { status: 'frozen' }],
      ['GET', '/wallets/nope/grants', undefined],
      ['POST', '/wallets/nope/grants', { amount: 1 }],
      ['POST', '/wallets/nope/deductions', { amount: 1 }],
      ['POST', '/wallets/nope/holds', { amount: 1 }],
    ] as const) {
      const answer = await api.call(method, path, { body });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('wallet_not_found');
    }
  });
});
