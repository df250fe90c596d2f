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
