import { Ledger } from '@tollgate/storage';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin budgets', (ctx) => {
  let api: AdminClient;
  let ledger: Ledger;
  beforeAll(() => {
    api = adminClient(ctx.store);
    ledger = new Ledger(ctx.store);
  });

  async function customer(): Promise<string> {
    const id = uniqueId('cus');
    expect((await api.call('POST', '/customers', { body: { id } })).status).toBe(201);
    return id;
  }

  it('creates a budget and shows its current period, usage and reset', async () => {
    const customerId = await customer();
    const created = await api.call('POST', '/budgets', {
      body: {
        scope: { customer_id: customerId, user_id: 'ana' },
        period: 'month',
        amount: 5_000_000,
        mode: 'hard',
        timezone: 'Europe/Paris',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'budget',
      scope: { customer_id: customerId, user_id: 'ana', team_id: null },
      period: 'month',
      amount: 5_000_000,
      mode: 'hard',
      timezone: 'Europe/Paris',
      status: 'active',
      usage: { spent: 0, pending: 0, remaining: 5_000_000 },
    });
    expect(created.body.usage.period_key).toMatch(/^\d{4}-\d{2}$/);
    expect(Date.parse(created.body.usage.resets_at)).toBeGreaterThan(Date.now());

    // A hold counted against it shows as pending, through the ledger's counters.
    const wallet = await api.call('POST', '/wallets', { body: { customer_id: customerId, unit: 'usd' } });
    await api.call('POST', `/wallets/${wallet.body.id}/grants`, {
      body: { amount: 10_000_000 },
      idempotencyKey: uniqueId('g'),
    });
    const held = await ledger.submit({
      command: {
        kind: 'hold',
        walletId: wallet.body.id,
        amount: 1_500_000n,
        ttlMs: 60_000,
        budgets: [
          {
            budgetId: created.body.id,
            periodKey: created.body.usage.period_key,
            cap: 5_000_000n,
            mode: 'hard',
          },
        ],
      },
    });
    expect(held.ok).toBe(true);
    const read = await api.call('GET', `/budgets/${created.body.id}`);
    expect(read.body.usage).toMatchObject({ spent: 0, pending: 1_500_000, remaining: 3_500_000 });

    const listed = await api.call('GET', `/budgets?customer_id=${customerId}`);
    expect(listed.body.data.map((b: { id: string }) => b.id)).toEqual([created.body.id]);
    const forCustomer = await api.call('GET', `/customers/${customerId}/budgets`);
    expect(forCustomer.body.data[0]).toMatchObject({ id: created.body.id, usage: { pending: 1_500_000 } });

    const archived = await api.call('DELETE', `/budgets/${created.body.id}`);
    expect(archived.body).toMatchObject({ status: 'archived' });
    expect((await api.call('GET', `/customers/${customerId}/budgets`)).body.data).toEqual([]);
  });

  it.each([
    [{ period: 'year' }, 'period'],
    [{ mode: 'maybe' }, 'mode'],
    [{ amount: 1.5 }, 'amount'],
    [{ amount: -1 }, 'amount'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ scope: {} }, 'scope.customer_id'],
  ])('refuses %j with 400 naming %s', async (patch, param) => {
    const body = { scope: { customer_id: 'x' }, period: 'day', amount: 1, mode: 'soft', ...patch };
    const refused = await api.call('POST', '/budgets', { body });
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe(param);
  });

  it('answers 404 for an unknown customer or budget', async () => {
    const refused = await api.call('POST', '/budgets', {
      body: { scope: { customer_id: uniqueId('nobody') }, period: 'day', amount: 1, mode: 'soft' },
    });
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatchObject({ code: 'customer_not_found', param: 'scope.customer_id' });
    expect((await api.call('GET', '/budgets/bud_nope')).status).toBe(404);
  });
});
