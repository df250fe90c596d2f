import { budgetWindow, newId } from '@tollgate/domain';
import { budgetStore, Ledger } from '@tollgate/storage';
import { expect, it } from 'vitest';
import { grantOf, seedWallets } from '../../../../test/ledger-helpers.ts';
import { describeStores } from '../../../../test/stores.ts';
import { storeBudgetSource } from './budget-source.ts';

describeStores('alerts read budgets from the ledger’s counters', (ctx) => {
  it('counts captured spend and open holds in the current period', async () => {
    const [walletId] = await seedWallets(ctx.store, [{}]);
    const wallet = (await ctx.store.getWallet(walletId!))!;
    const now = Date.UTC(2030, 0, 15, 12);
    const ledger = new Ledger(ctx.store, { clock: () => now });
    await ledger.submit(grantOf(walletId!, 10_000n));
    const budget = {
      id: newId('bud'),
      customerId: wallet.customerId,
      teamId: null,
      userId: null,
      feature: null,
      model: null,
      keyId: null,
      sessionId: null,
      period: 'month' as const,
      amount: 1_000n,
      mode: 'hard' as const,
      timezone: 'Europe/Paris',
      createdAt: now,
      archivedAt: null,
    };
    await budgetStore(ctx.store).createBudget(budget);
    const window = budgetWindow('month', 'Europe/Paris', now);
    const charge = { budgetId: budget.id, periodKey: window.periodKey, cap: 1_000n, mode: 'hard' as const };
    const hold = (amount: bigint) =>
      ledger.submit({
        command: { kind: 'hold', walletId: walletId!, amount, ttlMs: 60_000, budgets: [charge] },
      });
    const first = await hold(300n);
    if (!first.ok || first.value.kind !== 'hold') throw new Error('hold refused');
    await ledger.submit({ command: { kind: 'capture', holdId: first.value.hold.id, amount: 200n } });
    await hold(150n);
    const usage = await storeBudgetSource(ctx.store).budgetUsage(budget.id, now);
    expect(usage).toEqual({
      budgetId: budget.id,
      customerId: wallet.customerId,
      unit: null,
      amount: 1_000n,
      spent: 350n,
      periodKey: 'month:2030-01',
    });
    expect(await storeBudgetSource(ctx.store).budgetUsage('bud_missing', now)).toBeUndefined();
  });
});
