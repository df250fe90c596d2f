import { adminRoutes } from '@tollgate/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin transactions', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  async function ids(query: string): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.call('GET', `/transactions?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      adminRoutes.listTransactions.response.parse(page.body);
      seen.push(...page.body.data.map((t: { id: string }) => t.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    return seen;
  }

  it('reads a wallet journal in order, filtered by type and time, page by page', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const start = new Date().toISOString();
    await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 1 } });
    await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 2 } });
    await api.call('POST', `/wallets/${walletId}/holds`, { body: { amount: 3 } });
    const all = await ids(`wallet_id=${walletId}&limit=2`);
    expect(all).toHaveLength(4);
    const page = await api.call('GET', `/transactions?wallet_id=${walletId}&limit=10`);
    expect(page.body.data.map((t: { type: string }) => t.type)).toEqual([
      'grant',
      'deduction',
      'deduction',
      'hold',
    ]);
    expect(page.body.data.map((t: { id: string }) => t.id)).toEqual(all);
    expect(await ids(`wallet_id=${walletId}&type=deduction,hold&limit=1`)).toEqual(all.slice(1));
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await ids(`wallet_id=${walletId}&from=${start}&to=${future}`)).toEqual(all.slice(1));
    expect(await ids(`wallet_id=${walletId}&from=${future}`)).toEqual([]);
  });

  it('gets one transaction with entries that sum to zero', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const deduction = await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 250 } });
    const answer = await api.call('GET', `/transactions/${deduction.body.id}`);
    expect(answer.status).toBe(200);
    const transaction = adminRoutes.getTransaction.response.parse(answer.body);
    expect(transaction).toMatchObject({ type: 'deduction', amount: 250 });
    expect(transaction.entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(0);
    expect(transaction.entries).toContainEqual({
      account: 'revenue:usd',
      wallet_id: null,
      lot_id: null,
      amount: 250,
    });
  });

  it('reverses a deduction once; a second time is a 409, a hold is not reversible', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const deduction = await api.call('POST', `/wallets/${walletId}/deductions`, { body: { amount: 250 } });
    const key = uniqueId('rev');
    const reversed = await api.call('POST', `/transactions/${deduction.body.id}/reverse`, {
      body: { reason: 'charged twice' },
      idempotencyKey: key,
    });
    expect(reversed.status).toBe(201);
    expect(adminRoutes.reverseTransaction.response.parse(reversed.body)).toMatchObject({
      type: 'reversal',
      reverses_id: deduction.body.id,
      reason: 'charged twice',
      wallets: [{ id: walletId, balance: 1_000 }],
    });
    const replay = await api.call('POST', `/transactions/${deduction.body.id}/reverse`, {
      body: { reason: 'charged twice' },
      idempotencyKey: key,
    });
    expect(replay.text).toBe(reversed.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const twice = await api.call('POST', `/transactions/${deduction.body.id}/reverse`, { body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('transaction_already_reversed');
    const held = await api.call('POST', `/wallets/${walletId}/holds`, { body: { amount: 1 } });
    const holdTransaction = (await api.call('GET', `/transactions?wallet_id=${walletId}&type=hold`)).body
      .data[0];
    expect(holdTransaction.hold_id).toBe(held.body.id);
    const notReversible = await api.call('POST', `/transactions/${holdTransaction.id}/reverse`);
    expect(notReversible.status).toBe(409);
    expect(notReversible.body.error.code).toBe('transaction_not_reversible');
  });

  it('answers 404 for an unknown transaction', async () => {
    expect((await api.call('GET', '/transactions/txn_nope')).body.error.code).toBe('transaction_not_found');
    const reverse = await api.call('POST', '/transactions/txn_nope/reverse');
    expect(reverse.status).toBe(404);
  });

  describe('refuses bad queries, naming the parameter', () => {
    it.each([
      ['type=refund', 'type'],
      ['type=', 'type'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=2.5', 'limit'],
      ['from=yesterday', 'from'],
      ['from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'to'],
      ['cursor=bm9wZQ', 'cursor'],
      ['wallet_id=has%20space', 'wallet_id'],
    ])('%s', async (query, param) => {
      const answer = await api.call('GET', `/transactions?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param });
    });
  });
});
