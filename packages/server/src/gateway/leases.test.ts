import type { Micros } from '@tollgate/domain';
import { gatewayStore, Ledger, Outbox } from '@tollgate/storage';
import { afterEach, expect, it } from 'vitest';
import { seedWallet, usageEvent } from '../../../../test/fixtures/wallets.ts';
import { describeStores } from '../../../../test/stores.ts';
import { LEASE_CALLS_MIN, Leases, type Reservation, releaseLeasesOf } from './leases.ts';
import { Settler } from './settler.ts';

/**
 * Leases against the real ledger on both stores: what an instance reserves never exceeds what it
 * holds, a nearly spent wallet serves exactly what it can pay for, and every lease goes back.
 */
describeStores('leases', (ctx) => {
  const opened: Leases[] = [];
  afterEach(async () => {
    for (const leases of opened.splice(0)) await leases.close();
  });

  function leasesOf(ledger: Ledger, options: Partial<ConstructorParameters<typeof Leases>[0]> = {}) {
    const leases = new Leases({
      ledger,
      ttlMs: 60_000,
      callTtlMs: 3_600_000,
      owner: `test-${Math.random()}`,
      ...options,
    });
    opened.push(leases);
    return leases;
  }

  /** What the gateway's settler does for a call: capture its share, then tell the lease. */
  async function settle(ledger: Ledger, leases: Leases, r: Reservation, price: Micros) {
    const result = await ledger.submit(
      { command: { kind: 'capture', holdId: r.holdId, amount: price, share: r.amount, owe: true } },
      'settle',
    );
    expect(result.ok).toBe(true);
    leases.settled(r);
  }

  /** A funded wallet, `count` calls reserved from its lease, their usage events, and a settler. */
  async function leaseCalls(count: number, priceOf: (i: number) => Micros) {
    const ledger = new Ledger(ctx.store);
    const { customerId, walletId } = await seedWallet(ctx.store, ledger, 1_000_000n);
    const leases = leasesOf(ledger);
    const settler = new Settler({
      ledger,
      store: gatewayStore(ctx.store),
      outbox: new Outbox(':memory:', 'test'),
      gatherMs: 50,
    });
    const reserved = (
      await Promise.all(Array.from({ length: count }, () => leases.reserve(walletId, 100n)))
    ).map((r) => r!);
    const events = reserved.map((r, i) => ({
      ...usageEvent({ customerId, walletId, userId: 'u', price: priceOf(i), at: Date.now() }),
      holdId: r.holdId,
    }));
    return { ledger, customerId, walletId, leases, settler, reserved, events };
  }

  async function pendingOf(walletId: string) {
    return (await new Ledger(ctx.store).wallet(walletId))!.pending;
  }

  it('reserves many calls from one hold, and never more than it holds', async () => {
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 1_000_000n);
    const leases = leasesOf(ledger);
    const reserved = await Promise.all(Array.from({ length: 200 }, () => leases.reserve(walletId, 100n)));
    expect(reserved.every((r) => r !== null)).toBe(true);
    const holds = new Set(reserved.map((r) => r!.holdId));
    expect(holds.size).toBe(1);
    const [holdId] = holds;
    // On PostgreSQL a hold is answered when its COMMIT is sent: read once the server confirmed it.
    await ledger.submit(
      { command: { kind: 'hold', walletId, amount: 0n, ttlMs: 1, raises: holdId! } },
      'hold',
    );
    await ledger.submit({ command: { kind: 'expire', walletId } });
    const held = (await ctx.store.getHold(holdId!))!;
    expect(held.amount).toBeGreaterThanOrEqual(200n * 100n);
    expect(await pendingOf(walletId)).toBe(held.amount);
    // Far fewer ledger round trips than calls: the growth doubles while it goes quickly.
    const raises = (await ctx.store.listTransactions({ walletId, limit: 500 })).data.filter(
      (t) => t.type === 'hold',
    );
    expect(raises.length).toBeLessThan(10);
    for (const r of reserved) await settle(ledger, leases, r!, 60n);
    await leases.close();
    expect(await pendingOf(walletId)).toBe(0n);
    const wallet = (await ledger.wallet(walletId))!;
    expect(wallet.balance).toBe(1_000_000n - 200n * 60n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('the settler captures the calls of one lease in a batch as one partial capture, each call metered', async () => {
    // One call above its part (its excess comes out of another's unused part of the lease).
    const priceOf = (i: number) => (i === 0 ? 150n : 40n);
    const { ledger, customerId, walletId, leases, settler, reserved, events } = await leaseCalls(20, priceOf);
    try {
      const prices = reserved.map((_, i) => priceOf(i));
      const captured: string[] = [];
      await Promise.all(
        reserved.map((r, i) =>
          settler.settle(
            { holdId: r.holdId, walletId, amount: prices[i]!, share: r.amount, event: events[i]! },
            (event) => {
              captured.push(event.id);
              leases.settled(r);
            },
          ),
        ),
      );
      await settler.settled();
      expect(captured).toHaveLength(20);
      const journal = (await ctx.store.listTransactions({ walletId, limit: 100 })).data;
      const parts = journal.filter((t) => t.type === 'partial_capture');
      expect(parts).toHaveLength(1);
      expect(parts[0]!.amount).toBe(150n + 19n * 40n);
      const metered = (await gatewayStore(ctx.store).listUsageEvents({ customerId, limit: 100 })).data;
      expect(metered.map((e) => e.transactionId)).toEqual(Array(20).fill(parts[0]!.id));
      await leases.close();
      const wallet = (await ledger.wallet(walletId))!;
      expect(wallet).toMatchObject({ balance: 1_000_000n - 150n - 19n * 40n, pending: 0n });
      expect(await ledger.verify()).toEqual([]);
    } finally {
      await settler.close();
    }
  });

  it('one settlement that cannot be captured does not sink the others of its lease; each is done with once', async () => {
    const { ledger, customerId, walletId, leases, settler, reserved, events } = await leaseCalls(
      5,
      () => 40n,
    );
    try {
      // The third call's event is recorded already (a charge by hand, say): its capture cannot write it again.
      const recorded = await ledger.submit({
        command: { kind: 'deduct', walletId, amount: 40n, usageEvent: events[2]! },
      });
      expect(recorded.ok).toBe(true);
      const done: number[] = [];
      await Promise.all(
        reserved.map((r, i) =>
          settler.settle(
            { holdId: r.holdId, walletId, amount: 40n, share: r.amount, event: events[i]! },
            undefined,
            () => {
              done.push(i);
              leases.settled(r);
            },
          ),
        ),
      );
      await settler.settled();
      await expect.poll(() => done.length, { timeout: 5_000 }).toBe(5);
      expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
      const metered = (await gatewayStore(ctx.store).listUsageEvents({ customerId, limit: 100 })).data;
      expect(metered).toHaveLength(5);
      await leases.close();
      // Four captured, the fifth charged once, by hand.
      expect((await ledger.wallet(walletId))!).toMatchObject({ balance: 1_000_000n - 5n * 40n, pending: 0n });
      expect(await ledger.verify()).toEqual([]);
    } finally {
      await settler.close();
    }
  });

  it('a nearly spent wallet serves exactly the calls it can pay for, from two instances', async () => {
    const ledger = new Ledger(ctx.store);
    // 40 calls of 100 and one of 50 fit; leases of 16 calls would strand credit if not trimmed to need.
    const { walletId } = await seedWallet(ctx.store, ledger, 40n * 100n + 50n);
    const a = leasesOf(ledger);
    const b = leasesOf(ledger);
    const asks = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).reserve(walletId, 100n));
    const reserved = (await Promise.all(asks)).filter((r) => r !== null);
    expect(reserved).toHaveLength(40);
    // What is left (50) is still there for a smaller call, on either instance.
    expect(await b.reserve(walletId, 60n)).toBeNull();
    expect(await a.reserve(walletId, 50n)).not.toBeNull();
    expect(await ledger.verify()).toEqual([]);
  });

  it('a call the wallet cannot cover is refused alone: smaller calls queued behind it are still served', async () => {
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 1_000n);
    const leases = leasesOf(ledger);
    const [big, small, bigger] = await Promise.all([
      leases.reserve(walletId, 5_000n),
      leases.reserve(walletId, 600n),
      leases.reserve(walletId, 9_000n),
    ]);
    expect(big).toBeNull();
    expect(bigger).toBeNull();
    expect(small).toMatchObject({ amount: 600n });
    // Exactly what is left still serves a call that fits.
    expect(await leases.reserve(walletId, 400n)).toMatchObject({ amount: 400n });
    expect(await leases.reserve(walletId, 1n)).toBeNull();
  });

  it('a frozen wallet refuses every waiting call at once, whatever its size', async () => {
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    await ctx.store.updateWallet(walletId, { status: 'frozen' }, Date.now());
    let submitted = 0;
    const counted = {
      submit: (...args: Parameters<Ledger['submit']>) => {
        submitted++;
        return ledger.submit(...args);
      },
    };
    const leases = new Leases({ ledger: counted, callTtlMs: 3_600_000, owner: 'frozen-test' });
    opened.push(leases);
    const asked = await Promise.all(
      [900n, 500n, 300n, 100n].map((amount) => leases.reserve(walletId, amount)),
    );
    expect(asked).toEqual([null, null, null, null]);
    // The first call's tries only (a few calls' worth, what all need, what it needs): not one per call.
    expect(submitted).toBeLessThanOrEqual(3);
  });

  it('an idle lease with a call out gives back what no call holds, renews itself, and goes back after', async () => {
    let now = Date.now();
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    const leases = leasesOf(ledger, { clock: () => now, ttlMs: 60_000 });
    const sweep = () => (leases as unknown as { sweep(): void }).sweep();
    const settled = () => new Promise((resolve) => setTimeout(resolve, 100));
    const long = (await leases.reserve(walletId, 1_000n))!;
    expect(await pendingOf(walletId)).toBe(LEASE_CALLS_MIN * 1_000n);
    now += 1_000;
    sweep();
    await settled();
    // Idle: only the call's part stays held.
    expect(await pendingOf(walletId)).toBe(1_000n);
    expect(leases.unreserved(walletId)).toBe(0n);
    const before = (await ctx.store.getHold(long.holdId))!.expiresAt;
    now += 40_000;
    sweep();
    await settled();
    expect((await ctx.store.getHold(long.holdId))!.expiresAt).toBeGreaterThan(before);
    // A new call grows the same lease again.
    const next = (await leases.reserve(walletId, 1_000n))!;
    expect(next.holdId).toBe(long.holdId);
    await settle(ledger, leases, long, 700n);
    await settle(ledger, leases, next, 300n);
    now += 1_000;
    sweep();
    await settled();
    expect((await ctx.store.getHold(long.holdId))!.status).toBe('released');
    expect(await pendingOf(walletId)).toBe(0n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('gives a refused call back, returns an idle lease, and takes a new one after', async () => {
    let now = 1_000_000;
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    const leases = leasesOf(ledger, { clock: () => now, idleMs: 60_000 });
    const first = (await leases.reserve(walletId, 1_000n))!;
    expect(leases.unreserved(walletId)).toBe(LEASE_CALLS_MIN * 1_000n - 1_000n);
    leases.giveBack(first);
    expect(leases.unreserved(walletId)).toBe(LEASE_CALLS_MIN * 1_000n);
    // Reads through this ledger show the unreserved part as available.
    const unset = ledger.setAside((id) => leases.unreserved(id));
    expect((await ledger.wallet(walletId))!.pending).toBe(0n);
    unset();
    now += 60_000;
    (leases as unknown as { sweep(): void }).sweep();
    await new Promise((r) => setTimeout(r, 50));
    expect(await pendingOf(walletId)).toBe(0n);
    expect((await ctx.store.getHold(first.holdId))!.status).toBe('released');
    const second = (await leases.reserve(walletId, 1_000n))!;
    expect(second.holdId).not.toBe(first.holdId);
  });

  it('a lease is checked again after its serving time: a frozen wallet stops it', async () => {
    let now = Date.now();
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    const leases = leasesOf(ledger, { clock: () => now, serveMs: 5_000 });
    const r = (await leases.reserve(walletId, 1_000n))!;
    await ctx.store.updateWallet(walletId, { status: 'frozen' }, now);
    // Within its serving time the lease still serves (the same process forgets it at once: see forget).
    const meanwhile = (await leases.reserve(walletId, 1_000n))!;
    expect(meanwhile.holdId).toBe(r.holdId);
    now += 5_000;
    expect(await leases.reserve(walletId, 1_000n)).toBeNull();
    // The call holds on its own and the ledger gives the exact answer.
    const own = await ledger.submit({ command: { kind: 'hold', walletId, amount: 1_000n, ttlMs: 1_000 } });
    expect(own).toMatchObject({ ok: false, code: 'wallet_frozen' });
    // Its last call captured, the retired lease goes back.
    await settle(ledger, leases, r, 500n);
    await settle(ledger, leases, meanwhile, 500n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await ctx.store.getHold(r.holdId))!.status).toBe('released');
    expect(await pendingOf(walletId)).toBe(0n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('forget() stops reserving at once; the lease goes back when its last call is captured', async () => {
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    const leases = leasesOf(ledger);
    const r = (await leases.reserve(walletId, 1_000n))!;
    leases.forget(walletId);
    const next = (await leases.reserve(walletId, 1_000n))!;
    expect(next.holdId).not.toBe(r.holdId);
    expect((await ctx.store.getHold(r.holdId))!.status).toBe('open');
    await settle(ledger, leases, r, 700n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await ctx.store.getHold(r.holdId))!).toMatchObject({ status: 'released', capturedAmount: 700n });
  });

  it('the leases of a gone instance are released by the one that takes over', async () => {
    const ledger = new Ledger(ctx.store);
    const { walletId } = await seedWallet(ctx.store, ledger, 100_000n);
    const gone = new Leases({ ledger, ttlMs: 60_000, callTtlMs: 3_600_000, owner: 'gone-instance' });
    const r = (await gone.reserve(walletId, 1_000n))!;
    await settle(ledger, gone, r, 400n);
    // Killed: nothing released. Another instance finds it gone and releases what it held.
    expect(await pendingOf(walletId)).toBeGreaterThan(0n);
    const released = await releaseLeasesOf(['gone-instance', 'another'], {
      ledger,
      store: gatewayStore(ctx.store),
    });
    expect(released).toBe(1);
    expect(await pendingOf(walletId)).toBe(0n);
    expect((await ledger.wallet(walletId))!.balance).toBe(100_000n - 400n);
    expect(await ledger.verify()).toEqual([]);
  });
});
