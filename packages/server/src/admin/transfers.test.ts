import { adminRoutes } from '@tollgate/contract';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient } from './test-client.ts';

describeStores('admin transfers', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  async function secondWallet(customerId: string, unit = 'usd'): Promise<string> {
    return (await api.call('POST', '/wallets', { body: { customer_id: customerId, unit } })).body.id;
  }

  it('moves credits between two wallets of one customer', async () => {
    const { customerId, walletId } = await api.seedWallet({ grant: 1_000 });
    const to = await secondWallet(customerId);
    const answer = await api.call('POST', '/transfers', {
      body: { from_wallet_id: walletId, to_wallet_id: to, amount: 400, reason: 'team budget' },
    });
    expect(answer.status).toBe(201);
    expect(adminRoutes.createTransfer.response.parse(answer.body)).toMatchObject({
      type: 'transfer',
      wallet_id: walletId,
      counter_wallet_id: to,
      amount: 400,
      from_wallet: { balance: 600 },
      to_wallet: { balance: 400 },
    });
  });

  it('refuses the same wallet, another customer and another unit with 400 param to_wallet_id', async () => {
    const { customerId, walletId } = await api.seedWallet({ grant: 1_000 });
    const other = await api.seedWallet();
    const credits = await secondWallet(customerId, 'credits');
    const before = await api.journalSize();
    for (const [to, code] of [
      [walletId, 'same_wallet'],
      [other.walletId, 'customer_mismatch'],
      [credits, 'unit_mismatch'],
    ] as const) {
      const answer = await api.call('POST', '/transfers', {
        body: { from_wallet_id: walletId, to_wallet_id: to, amount: 1 },
      });
      expect(answer.status, code).toBe(400);
      expect(answer.body.error).toMatchObject({ code, param: 'to_wallet_id' });
    }
    expect(await api.journalSize()).toBe(before);
  });

  it('answers 402 beyond the live credits and 404 for an unknown wallet', async () => {
    const { customerId, walletId } = await api.seedWallet({ grant: 100 });
    const to = await secondWallet(customerId);
    const short = await api.call('POST', '/transfers', {
      body: { from_wallet_id: walletId, to_wallet_id: to, amount: 101 },
    });
    expect(short.status).toBe(402);
    const missing = await api.call('POST', '/transfers', {
      body: { from_wallet_id: 'nope', to_wallet_id: to, amount: 1 },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('wallet_not_found');
    const noTo = await api.call('POST', '/transfers', { body: { from_wallet_id: walletId, amount: 1 } });
    expect(noTo.body.error).toMatchObject({ code: 'parameter_missing', param: 'to_wallet_id' });
  });
});
