import type { LedgerCommand, LedgerOperation, LedgerResult } from '@tollgate/domain';
import { expect, it } from 'vitest';
import { grantOf, seedWallets } from '../../../test/ledger-helpers.ts';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';

/**
 * Where peers' ledgers broke, each replayed against the real stores. Every scenario ends with the
 * journal verified.
 */
describeStores('ledger scenarios from peers’ bugs', (ctx) => {
  let now = Date.now();
  const ledger = () => new Ledger(ctx.store, { clock: () => now });
  const ok = (result: LedgerResult) => {
    if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
    return result.value;
  };
  const holdOf = (walletId: string, amount: bigint, ttlMs = 600_000): LedgerOperation => ({
    command: { kind: 'hold', walletId, amount, ttlMs },
  });

  it('holds count against the balance: 6 × 1000 against 5000 accepts exactly 5', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    await l.submit(grantOf(w!, 5000n));
    const results = await Promise.all(Array.from({ length: 6 }, () => l.submit(holdOf(w!, 1000n))));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(await l.wallet(w!)).toMatchObject({ balance: 5000n, pending: 5000n });
    expect(await l.verify()).toEqual([]);
  });

  it('a refused hold leaves nothing to commit later', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    const refused = await l.submit(holdOf(w!, 1n));
    expect(refused).toMatchObject({ ok: false, code: 'insufficient_credits' });
    await l.submit(grantOf(w!, 10n));
    expect(await l.wallet(w!)).toMatchObject({ balance: 10n, pending: 0n });
  });

  it('a hold is voided once: the second release and a later capture get stable codes', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    await l.submit(grantOf(w!, 100n));
    const held = ok(await l.submit(holdOf(w!, 60n)));
    if (held.kind !== 'hold') throw new Error();
    const release: LedgerCommand = { kind: 'release', holdId: held.hold.id };
    const [first, second] = await Promise.all([
      l.submit({ command: release }),
      l.submit({ command: release }),
    ]);
    expect([first, second].filter((r) => r.ok)).toHaveLength(1);
    expect([first, second].find((r) => !r.ok)).toMatchObject({ code: 'hold_already_released' });
    expect(await l.submit({ command: { kind: 'capture', holdId: held.hold.id } })).toMatchObject({
      code: 'hold_already_released',
    });
    expect(await l.wallet(w!)).toMatchObject({ balance: 100n, pending: 0n });
  });

  it('a top-up and a refund retried by a flaky client count once (110, not 210)', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    const buy = { ...grantOf(w!, 100n), idempotencyKey: `buy-${w}`, requestHash: 'b' };
    await Promise.all([l.submit(buy), l.submit(buy), l.submit(buy)]);
    const spent = ok(await l.submit({ command: { kind: 'deduct', walletId: w!, amount: 10n } }));
    if (spent.kind !== 'deduct') throw new Error();
    const refund: LedgerOperation = {
      command: { kind: 'reverse', transactionId: spent.transaction.id },
      idempotencyKey: `refund-${w}`,
      requestHash: 'r',
    };
    await l.submit(refund);
    await l.submit(refund);
    expect((await l.wallet(w!))!.balance).toBe(100n);
    await l.submit({ ...grantOf(w!, 10n), idempotencyKey: `buy2-${w}`, requestHash: 'b2' });
    await l.submit({ ...grantOf(w!, 10n), idempotencyKey: `buy2-${w}`, requestHash: 'b2' });
    expect((await l.wallet(w!))!.balance).toBe(110n);
    expect(await l.verify()).toEqual([]);
  });

  it('an idempotency key is claimed with its write: a failed write leaves it free to retry', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    const key = `claim-${w}`;
    // A programmer error inside a batch aborts its transaction: neither the grant nor its key stays.
    const broken = new Ledger(ctx.store, {
      clock: () => now,
      newId: (prefix) => {
        if (prefix === 'lot') throw new Error('crash between the claim and the write');
        return `${prefix}_${Math.random().toString(36).slice(2)}`;
      },
    });
    await expect(
      broken.submit({ ...grantOf(w!, 50n), idempotencyKey: key, requestHash: 'g' }),
    ).rejects.toThrow();
    const retried = await l.submit({ ...grantOf(w!, 50n), idempotencyKey: key, requestHash: 'g' });
    expect(retried).toMatchObject({ ok: true });
    expect(retried.replayed).toBeUndefined();
    expect((await l.wallet(w!))!.balance).toBe(50n);
  });

  it('balances do not wait for a polling job: expired credits and holds stop counting at once', async () => {
    const [w] = await seedWallets(ctx.store, [{}]);
    const l = ledger();
    await l.submit({
      command: {
        kind: 'grant',
        walletId: w!,
        amount: 100n,
        source: 'promo',
        expiresAt: now + 1000,
        priority: 50,
      },
    });
    await l.submit(grantOf(w!, 30n));
    ok(await l.submit(holdOf(w!, 20n, 500)));
    now += 1000;
    // No expiry job has run: the read settles both in memory.
    expect(await l.wallet(w!)).toMatchObject({ balance: 30n, pending: 0n });
    expect(await l.submit({ command: { kind: 'deduct', walletId: w!, amount: 31n } })).toMatchObject({
      code: 'insufficient_credits',
    });
    expect(await l.verify()).toEqual([]);
  });
});
