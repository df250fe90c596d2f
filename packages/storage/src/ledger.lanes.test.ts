import type { LedgerOperation } from '@tollgate/domain';
import pg from 'pg';
import { expect, it } from 'vitest';
import { seedWallet } from '../../../test/fixtures/wallets.ts';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';
import type { Store } from './store.ts';

/** The store, with each ledger batch's steps noted as they happen. */
function observed(store: Store, events: string[], failAfterSent = false): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'ledgerBatch') return Reflect.get(target, property, receiver);
      const ledgerBatch: Store['ledgerBatch'] = async (request, now, decide, options = {}) => {
        const onSent = options.onSent;
        await target.ledgerBatch(request, now, decide, {
          ...options,
          ...(onSent
            ? {
                onSent: () => {
                  events.push('sent');
                  onSent();
                },
              }
            : {}),
        });
        events.push('committed');
        if (failAfterSent && onSent) throw new Error('connection lost during COMMIT');
      };
      return ledgerBatch;
    },
  });
}

const hold = (walletId: string, amount: bigint): LedgerOperation => ({
  command: { kind: 'hold', walletId, amount, ttlMs: 60_000 },
});

describeStores('ledger lanes', (ctx) => {
  it('the hold lane answers once the COMMIT is sent where the store has a server to wait for', async () => {
    const { walletId } = await seedWallet(ctx.store, new Ledger(ctx.store), 1_000n);
    const events: string[] = [];
    const ledger = new Ledger(observed(ctx.store, events));
    const result = await ledger.submit(hold(walletId, 100n), 'hold');
    events.push('answered');
    expect(result).toMatchObject({ ok: true, value: { kind: 'hold' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // PostgreSQL: a round trip sooner. SQLite commits in-process, synchronously: nothing to skip.
    expect(events).toEqual(
      ctx.kind === 'postgres' ? ['sent', 'answered', 'committed'] : ['committed', 'answered'],
    );
    const wallet = await ledger.wallet(walletId);
    expect(wallet?.pending).toBe(100n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('a release of a hold answered but not yet committed waits for that commit (it would find no hold)', async () => {
    const { walletId } = await seedWallet(ctx.store, new Ledger(ctx.store), 1_000n);
    const ledger = new Ledger(ctx.store);
    // PostgreSQL: another session blocks the hold's INSERT (not its reads), so its COMMIT lands late.
    const blocker = ctx.kind === 'postgres' ? new pg.Client(ctx.url) : null;
    await blocker?.connect();
    await blocker?.query('BEGIN');
    await blocker?.query('LOCK TABLE holds IN SHARE ROW EXCLUSIVE MODE');
    const held = await ledger.submit(hold(walletId, 100n), 'hold');
    if (!held.ok || held.value.kind !== 'hold') throw new Error('hold refused');
    const released = ledger.submit({ command: { kind: 'release', holdId: held.value.hold.id } });
    setTimeout(() => void blocker?.query('COMMIT').then(() => blocker.end()), 200);
    expect(await released).toMatchObject({ ok: true, value: { kind: 'release' } });
    expect((await ledger.wallet(walletId))?.pending).toBe(0n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('holds answered when sent still never overspend a wallet, however many race', async () => {
    const { walletId } = await seedWallet(ctx.store, new Ledger(ctx.store), 1_000n);
    // Two ledgers: two hold lanes, whose batches race on separate connections for the wallet.
    const ledgers = [new Ledger(ctx.store), new Ledger(ctx.store)];
    const ledger = ledgers[0]!;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ledgers[i % 2]!.submit(hold(walletId, 100n), 'hold')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect((await ledger.wallet(walletId))?.pending).toBe(1_000n);
    expect(await ledger.verify()).toEqual([]);
  });

  it('a hold batch whose commit fails after it was answered is logged, not decided again', async () => {
    const { walletId } = await seedWallet(ctx.store, new Ledger(ctx.store), 1_000n);
    const events: string[] = [];
    const lines: string[] = [];
    const ledger = new Ledger(observed(ctx.store, events, true), { log: (line) => lines.push(line) });
    const result = await ledger.submit(hold(walletId, 100n), 'hold');
    expect(result.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (ctx.kind === 'postgres') {
      // One decision, one batch: a retry would have held again under another id.
      expect(events).toEqual(['sent', 'committed']);
      expect(lines).toEqual([expect.stringContaining('connection lost during COMMIT')]);
    } else expect(lines).toEqual([]);
  });
});
