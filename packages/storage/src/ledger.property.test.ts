import type { LedgerCommand, LedgerOperation } from '@tollgate/domain';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { seedWallets } from '../../../test/ledger-helpers.ts';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';

/**
 * Random sequences of ledger commands, run through the real store, then the invariants:
 * every balance equals its journal sum and stays above its overdraft limit, pending equals the
 * open holds, every lot matches its entries, and the journal sums to zero.
 */
type Step =
  | { kind: 'grant'; wallet: number; amount: number; expiresInMs: number | null; priority: number }
  | { kind: 'deduct'; wallet: number; amount: number; owe: boolean }
  | { kind: 'hold'; wallet: number; amount: number; ttlMs: number }
  | { kind: 'capture'; hold: number; amount: number | null; owe: boolean }
  | { kind: 'release'; hold: number }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'reverse'; transaction: number }
  | { kind: 'expire'; wallet: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'replay'; step: number };

const WALLETS = 3;
const wallet = fc.nat({ max: WALLETS - 1 });
const amount = fc.integer({ min: 1, max: 500 });
const index = fc.nat({ max: 40 });

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    wallet,
    amount: fc.integer({ min: 1, max: 1000 }),
    expiresInMs: fc.option(fc.integer({ min: 1, max: 5000 })),
    priority: fc.nat({ max: 3 }),
  }),
  fc.record({ kind: fc.constant('deduct' as const), wallet, amount, owe: fc.boolean() }),
  fc.record({ kind: fc.constant('hold' as const), wallet, amount, ttlMs: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({
    kind: fc.constant('capture' as const),
    hold: index,
    amount: fc.option(fc.nat({ max: 600 })),
    owe: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('release' as const), hold: index }),
  fc.record({ kind: fc.constant('transfer' as const), from: wallet, to: wallet, amount }),
  fc.record({ kind: fc.constant('reverse' as const), transaction: index }),
  fc.record({ kind: fc.constant('expire' as const), wallet }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({ kind: fc.constant('replay' as const), step: index }),
);

describeStores('ledger invariants under random command sequences', (ctx) => {
  it('hold for every sequence, batched or one by one', async () => {
    let now = Date.now();
    const ledger = new Ledger(ctx.store, { clock: () => now });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
        async (rounds) => {
          const wallets = await seedWallets(ctx.store, [
            { overdraftLimit: 0n, capturePolicy: 'reject' },
            { overdraftLimit: 200n, capturePolicy: 'overflow' },
            { overdraftLimit: 50n, capturePolicy: 'cap' },
          ]);
          const holds: string[] = [];
          const transactions: string[] = [];
          const sent: LedgerOperation[] = [];
          const toOperation = (s: Step): LedgerOperation | null => {
            const w = (i: number) => wallets[i % WALLETS]!;
            let command: LedgerCommand | null = null;
            switch (s.kind) {
              case 'grant':
                command = {
                  kind: 'grant',
                  walletId: w(s.wallet),
                  amount: BigInt(s.amount),
                  source: 'purchase',
                  expiresAt: s.expiresInMs === null ? null : now + s.expiresInMs,
                  priority: s.priority,
                };
                break;
              case 'deduct':
                command = { kind: 'deduct', walletId: w(s.wallet), amount: BigInt(s.amount), owe: s.owe };
                break;
              case 'hold':
                command = { kind: 'hold', walletId: w(s.wallet), amount: BigInt(s.amount), ttlMs: s.ttlMs };
                break;
              case 'capture':
                if (holds.length === 0) return null;
                command = {
                  kind: 'capture',
                  holdId: holds[s.hold % holds.length]!,
                  owe: s.owe,
                  ...(s.amount === null ? {} : { amount: BigInt(s.amount) }),
                };
                break;
              case 'release':
                if (holds.length === 0) return null;
                command = { kind: 'release', holdId: holds[s.hold % holds.length]! };
                break;
              case 'transfer':
                command = {
                  kind: 'transfer',
                  fromWalletId: w(s.from),
                  toWalletId: w(s.to),
                  amount: BigInt(s.amount),
                };
                break;
              case 'reverse':
                if (transactions.length === 0) return null;
                command = {
                  kind: 'reverse',
                  transactionId: transactions[s.transaction % transactions.length]!,
                };
                break;
              case 'expire':
                command = { kind: 'expire', walletId: w(s.wallet) };
                break;
              case 'advance':
                now += s.ms;
                return null;
              case 'replay':
                return sent.length === 0 ? null : sent[s.step % sent.length]!;
            }
            const operation = { command, idempotencyKey: `${wallets[0]}-${sent.length}`, requestHash: 'h' };
            sent.push(operation);
            return operation;
          };
          for (const round of rounds) {
            const operations = round.map(toOperation).filter((o): o is LedgerOperation => o !== null);
            // A round is submitted at once: the ledger decides it as one batch.
            const results = await Promise.all(operations.map((o) => ledger.submit(o)));
            for (const result of results) {
              if (!result.ok) continue;
              const value = result.value;
              if (value.kind === 'hold') holds.push(value.hold.id);
              if (value.kind === 'grant' || value.kind === 'deduct') transactions.push(value.transaction.id);
              if (value.kind === 'capture') transactions.push(...value.transactions.map((t) => t.id));
            }
          }
          expect(await ledger.verify()).toEqual([]);
          for (const id of wallets) {
            const w = (await ledger.wallet(id))!;
            expect(w.balance - w.pending).toBeGreaterThanOrEqual(-w.overdraftLimit);
          }
        },
      ),
      {
        numRuns: ctx.kind === 'sqlite' ? 60 : 30,
        seed: Number(process.env.TOLLGATE_PROPERTY_SEED ?? Date.now() % 1e9),
      },
    );
  });
});
