import { adminRoutes } from '@tollgate/contract';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin deductions', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  it('spends credits and returns the transaction with the wallet', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const answer = await api.call('POST', `/wallets/${walletId}/deductions`, {
      body: { amount: 250, reason: 'report', metadata: { feature: 'summary' } },
    });
    expect(answer.status).toBe(201);
    expect(adminRoutes.createDeduction.response.parse(answer.body)).toMatchObject({
      object: 'transaction',
      type: 'deduction',
      wallet_id: walletId,
      amount: 250,
      reason: 'report',
      metadata: { feature: 'summary' },
      wallet: { balance: 750, available: 750 },
    });
  });

  it('answers 402 insufficient_credits, writes nothing, and replays the refusal', async () => {
    const { walletId } = await api.seedWallet({ grant: 100 });
    const before = await api.journalSize();
    const key = uniqueId('ded');
    const refused = await api.call('POST', `/wallets/${walletId}/deductions`, {
      body: { amount: 101 },
      idempotencyKey: key,
    });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({
      type: 'insufficient_credits_error',
      code: 'insufficient_credits',
    });
    expect(await api.journalSize()).toBe(before);
    await api.call('POST', `/wallets/${walletId}/grants`, { body: { amount: 100 } });
    const replay = await api.call('POST', `/wallets/${walletId}/deductions`, {
      body: { amount: 101 },
      idempotencyKey: key,
    });
    expect(replay.status).toBe(402);
    expect(replay.text).toBe(refused.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await api.call('GET', `/wallets/${walletId}`)).body.balance).toBe(200);
  });

  it('refuses a wrong unit with 400 param unit', async () => {
    const { walletId } = await api.seedWallet({ grant: 100 });
    const answer = await api.call('POST', `/wallets/${walletId}/deductions`, {
      body: { amount: 1, unit: 'credits' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'unit_mismatch', param: 'unit' });
  });
});
