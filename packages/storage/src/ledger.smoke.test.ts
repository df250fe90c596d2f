import { expect, it } from 'vitest';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';

describeStores('smoke', (ctx) => {
  it('grants, holds, captures', async () => {
    await ctx.store.createCustomer({ id: 'acme', name: null, metadata: null, createdAt: Date.now() });
    const w = await ctx.store.createWallet({
      id: 'wal_1',
      customerId: 'acme',
      teamId: null,
      unit: 'usd',
      overdraftLimit: 0n,
      capturePolicy: 'reject',
      createdAt: Date.now(),
    });
    const ledger = new Ledger(ctx.store);
    const g = await ledger.submit({
      command: {
        kind: 'grant',
        walletId: w.id,
        amount: 1000n,
        source: 'purchase',
        expiresAt: null,
        priority: 50,
      },
      idempotencyKey: 'k1',
      requestHash: 'h',
    });
    expect(g.ok).toBe(true);
    const holds = await Promise.all(
      Array.from({ length: 20 }, () =>
        ledger.submit({ command: { kind: 'hold', walletId: w.id, amount: 100n, ttlMs: 60000 } }),
      ),
    );
    expect(holds.filter((h) => h.ok).length).toBe(10);
    const h = holds.find((x) => x.ok)!;
    if (!h.ok || h.value.kind !== 'hold') throw new Error();
    const c = await ledger.submit({ command: { kind: 'capture', holdId: h.value.hold.id, amount: 40n } });
    expect(c.ok).toBe(true);
    const again = await ledger.submit({ command: { kind: 'capture', holdId: h.value.hold.id, amount: 40n } });
    expect(again).toMatchObject({ ok: false, code: 'hold_already_captured' });
    const replay = await ledger.submit({
      command: {
        kind: 'grant',
        walletId: w.id,
        amount: 1000n,
        source: 'purchase',
        expiresAt: null,
        priority: 50,
      },
      idempotencyKey: 'k1',
      requestHash: 'h',
    });
    expect(replay).toMatchObject({ ok: true, replayed: true });
    expect((await ledger.wallet(w.id))!.balance).toBe(960n);
    expect(await ledger.verify()).toEqual([]);
  });
});
