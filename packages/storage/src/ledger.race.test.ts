import type { LedgerOperation, LedgerResult } from '@tollgate/domain';
import { expect, it } from 'vitest';
import { grantOf, inWorker, seedWallets } from '../../../test/ledger-helpers.ts';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';
import { openStore } from './open.ts';

const CONNECTIONS = 8;

function okCount(results: LedgerResult[]): number {
  return results.filter((r) => r.ok).length;
}

describeStores('ledger races', (ctx) => {
  it('200 concurrent holds of 1 on a wallet of 100 from 8 processes: exactly 100 succeed', async () => {
    const [walletId] = await seedWallets(ctx.store, [{}]);
    const ledger = new Ledger(ctx.store);
    expect((await ledger.submit(grantOf(walletId!, 100n))).ok).toBe(true);
    const hold: LedgerOperation = {
      command: { kind: 'hold', walletId: walletId!, amount: 1n, ttlMs: 600_000 },
    };
    const perWorker = Array.from({ length: 200 / CONNECTIONS }, () => hold);
    const results = (
      await Promise.all(Array.from({ length: CONNECTIONS }, () => inWorker(ctx.url, perWorker)))
    ).flat();
    expect(results).toHaveLength(200);
    expect(okCount(results)).toBe(100);
    expect(results.filter((r) => !r.ok && r.code === 'insufficient_credits')).toHaveLength(100);
    expect(await ledger.wallet(walletId!)).toMatchObject({ balance: 100n, pending: 100n });
    expect(await ledger.verify()).toEqual([]);
  });

  it.each([
    ['one period', (_: number) => ({ periodKey: '2026-11' })],
    // A rolling window: holds land in two buckets that both windows sum.
    [
      'a rolling window across two buckets',
      (i: number) =>
        i % 2 === 0
          ? { periodKey: '2026-11-05T10:00', windowStartKey: '2026-11-05T09:01' }
          : { periodKey: '2026-11-05T10:01', windowStartKey: '2026-11-05T09:02' },
    ],
  ] as const)(
    '100 concurrent holds on 10 wallets against a hard budget that affords 30 (%s), from 5 connections: exactly 30',
    async (_, period) => {
      // Ten wallets, so that the wallet locks do not serialize the holds: only the budget's does.
      const walletIds = await seedWallets(
        ctx.store,
        Array.from({ length: 10 }, () => ({})),
      );
      const ledger = new Ledger(ctx.store);
      for (const walletId of walletIds) await ledger.submit(grantOf(walletId, 1_000n));
      const budgetId = `${walletIds[0]}-budget`;
      const holds: LedgerOperation[] = Array.from({ length: 100 }, (_, i) => ({
        command: {
          kind: 'hold',
          walletId: walletIds[i % walletIds.length]!,
          amount: 10n,
          ttlMs: 600_000,
          budgets: [{ budgetId, ...period(i), cap: 300n, mode: 'hard' }],
        },
      }));
      // Five connections, one hold per transaction, so that transactions interleave.
      const stores = Array.from({ length: 5 }, () => openStore(ctx.url));
      const ledgers = stores.map((store) => new Ledger(store, { batchOperationsMax: 1 }));
      const results = await Promise.all(holds.map((hold, i) => ledgers[i % ledgers.length]!.submit(hold)));
      await Promise.all(stores.map((store) => store.close()));
      expect(okCount(results)).toBe(30);
      expect(results.filter((r) => !r.ok && r.code === 'budget_exceeded')).toHaveLength(70);
      // Each captured at its hold: spent reaches the cap exactly, and verify() agrees.
      const captures = results.flatMap((r) =>
        r.ok && r.value.kind === 'hold'
          ? [ledger.submit({ command: { kind: 'capture', holdId: r.value.hold.id, owe: true } })]
          : [],
      );
      expect((await Promise.all(captures)).every((r) => r.ok)).toBe(true);
      const periods = (await ctx.store.journalTotals()).budgetPeriods.filter((p) => p.budgetId === budgetId);
      expect(periods.reduce((sum, p) => sum + p.spent, 0n)).toBe(300n);
      expect(periods.reduce((sum, p) => sum + p.pending, 0n)).toBe(0n);
      expect(await ledger.verify()).toEqual([]);
    },
  );

  it('50 clients doing hold → capture of random amounts on one team wallet never overdraw it', async () => {
    const [walletId] = await seedWallets(ctx.store, [{ overdraftLimit: 500n, capturePolicy: 'overflow' }]);
    // Several ledgers, each with its own connection(s), as several gateway processes would be.
    const stores = Array.from({ length: 4 }, () => openStore(ctx.url));
    const ledgers = stores.map((store) => new Ledger(store));
    await ledgers[0]!.submit(grantOf(walletId!, 20_000n));
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return BigInt(1 + (seed % n));
    };
    let captured = 0n;
    await Promise.all(
      Array.from({ length: 50 }, async (_, client) => {
        const ledger = ledgers[client % ledgers.length]!;
        for (let i = 0; i < 8; i++) {
          const held = await ledger.submit({
            command: { kind: 'hold', walletId: walletId!, amount: random(120), ttlMs: 60_000 },
          });
          if (!held.ok || held.value.kind !== 'hold') continue;
          // Sometimes more than held: the overflow policy debits the excess within the overdraft.
          const amount = random(Number(held.value.hold.amount) + 30);
          const result = await ledger.submit({
            command: { kind: 'capture', holdId: held.value.hold.id, amount },
          });
          if (result.ok && result.value.kind === 'capture') {
            for (const t of result.value.transactions) captured += t.amount;
          }
        }
      }),
    );
    const wallet = (await ledgers[0]!.wallet(walletId!))!;
    expect(wallet.pending).toBe(0n);
    expect(wallet.balance).toBe(20_000n - captured);
    expect(wallet.balance).toBeGreaterThanOrEqual(-500n);
    expect(await ledgers[0]!.verify()).toEqual([]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('one idempotency key replayed 20 times at once applies once and answers the same each time', async () => {
    const [walletId] = await seedWallets(ctx.store, [{}]);
    const operation: LedgerOperation = {
      ...grantOf(walletId!, 700n),
      idempotencyKey: `race-${walletId}`,
      requestHash: 'same',
    };
    // 10 at once in this process (one batch) and 10 more from 2 other processes.
    const ledger = new Ledger(ctx.store);
    const local = Promise.all(Array.from({ length: 10 }, () => ledger.submit(operation)));
    const remote = Promise.all([
      inWorker(ctx.url, Array(5).fill(operation)),
      inWorker(ctx.url, Array(5).fill(operation)),
    ]);
    const results = [...(await local), ...(await remote).flat()];
    expect(results).toHaveLength(20);
    const firsts = results.filter((r) => !r.replayed);
    expect(firsts).toHaveLength(1);
    const { replayed: _, ...first } = firsts[0]!;
    for (const result of results) {
      const { replayed: __, ...rest } = result;
      expect(rest).toEqual(first);
    }
    expect((await ledger.wallet(walletId!))!.balance).toBe(700n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('a refused top-up stays refused on replay; a new key is a new attempt', async () => {
    const [walletId] = await seedWallets(ctx.store, [{}]);
    const ledger = new Ledger(ctx.store);
    const spend: LedgerOperation = {
      command: { kind: 'deduct', walletId: walletId!, amount: 110n },
      idempotencyKey: `spend-${walletId}`,
      requestHash: 'x',
    };
    expect(await ledger.submit(spend)).toMatchObject({ ok: false, code: 'insufficient_credits' });
    await ledger.submit({ ...grantOf(walletId!, 110n), idempotencyKey: `buy-${walletId}`, requestHash: 'y' });
    // A refund retried by a flaky client: still one grant of 110, not 220.
    await ledger.submit({ ...grantOf(walletId!, 110n), idempotencyKey: `buy-${walletId}`, requestHash: 'y' });
    expect(await ledger.submit(spend)).toMatchObject({
      ok: false,
      code: 'insufficient_credits',
      replayed: true,
    });
    expect(await ledger.submit({ ...spend, idempotencyKey: `spend2-${walletId}` })).toMatchObject({
      ok: true,
    });
    expect((await ledger.wallet(walletId!))!.balance).toBe(0n);
  });
});
