import type { BudgetCharge, LedgerCommand, LedgerOperation } from '@tollgate/domain';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { seedWallets } from '../../../test/ledger-helpers.ts';
import { describeStores } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';

/**
 * Random sequences of ledger commands, run through the real store, then the invariants:
 * every balance equals its journal sum and stays above its overdraft limit, pending equals the
 * open holds, every lot matches its entries, and the journal sums to zero. Holds count against a
 * hard budget (a rolling window of two buckets) and a soft one: every budget bucket matches its
 * holds, and no window holds more than its cap plus what captures charged above their holds.
 */
type Step =
  | { kind: 'grant'; wallet: number; amount: number; expiresInMs: number | null; priority: number }
  | { kind: 'deduct'; wallet: number; amount: number; owe: boolean }
  | { kind: 'hold'; wallet: number; amount: number; ttlMs: number; budgets: number }
  | { kind: 'raise'; hold: number; amount: number; ttlMs: number }
  | { kind: 'capture'; hold: number; amount: number | null; owe: boolean; share: number | null }
  | { kind: 'release'; hold: number; amount: number | null }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'reverse'; transaction: number }
  | { kind: 'expire'; wallet: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'replay'; step: number };

const WALLETS = 3;
const wallet = fc.nat({ max: WALLETS - 1 });
const amount = fc.integer({ min: 1, max: 500 });
const index = fc.nat({ max: 40 });
/** A budget bucket lasts this long; the hard budget sums the current bucket and the one before. */
const BUCKET_MS = 2_000;
const HARD_CAP = 700n;

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    wallet,
    amount: fc.integer({ min: 1, max: 1000 }),
    expiresInMs: fc.option(fc.integer({ min: 1, max: 5000 })),
    priority: fc.nat({ max: 3 }),
  }),
  fc.record({ kind: fc.constant('deduct' as const), wallet, amount, owe: fc.boolean() }),
  fc.record({
    kind: fc.constant('hold' as const),
    wallet,
    amount,
    ttlMs: fc.integer({ min: 1, max: 5000 }),
    // 0: none, 1: hard, 2: soft, 3: both.
    budgets: fc.nat({ max: 3 }),
  }),
  // A raise of an open hold that counts in no budget (the gateway's lease growing; 0 only checks it).
  fc.record({
    kind: fc.constant('raise' as const),
    hold: index,
    amount: fc.nat({ max: 60 }),
    ttlMs: fc.integer({ min: 1, max: 5000 }),
  }),
  fc.record({
    kind: fc.constant('capture' as const),
    hold: index,
    amount: fc.option(fc.nat({ max: 600 })),
    owe: fc.boolean(),
    // A partial capture (the gateway's lease) takes this much of its hold and leaves it open.
    share: fc.option(fc.integer({ min: 1, max: 500 })),
  }),
  fc.record({
    kind: fc.constant('release' as const),
    hold: index,
    // A partial release (a lease giving back what it did not use) when below what is held.
    amount: fc.option(fc.integer({ min: 0, max: 500 })),
  }),
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
          /** Holds that count in no budget, by id: the ones a raise may name. */
          const plainHolds = new Map<string, { id: string; walletId: string }>();
          const transactions: string[] = [];
          const start = now;
          const hardId = `${wallets[0]}-hard`;
          const bucketOf = (at: number) => Math.floor((at - start) / BUCKET_MS);
          const key = (bucket: number) => `b${String(bucket).padStart(6, '0')}`;
          const charges = (which: number): BudgetCharge[] => {
            const bucket = bucketOf(now);
            const hard: BudgetCharge = {
              budgetId: hardId,
              periodKey: key(bucket),
              windowStartKey: key(bucket - 1),
              cap: HARD_CAP,
              mode: 'hard',
            };
            const soft: BudgetCharge = {
              budgetId: `${wallets[0]}-soft`,
              periodKey: key(bucket),
              cap: 50n,
              mode: 'soft',
            };
            return which === 0 ? [] : which === 1 ? [hard] : which === 2 ? [soft] : [hard, soft];
          };
          // Per hard bucket: what captures charged beyond what admission counted.
          const excess = new Map<string, bigint>();
          const holdBucket = new Map<string, { key: string; amount: bigint }>();
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
                command = {
                  kind: 'hold',
                  walletId: w(s.wallet),
                  amount: BigInt(s.amount),
                  ttlMs: s.ttlMs,
                  budgets: charges(s.budgets),
                };
                break;
              case 'raise': {
                const raisable = [...plainHolds.values()];
                if (raisable.length === 0) return null;
                const target = raisable[s.hold % raisable.length]!;
                command = {
                  kind: 'hold',
                  walletId: target.walletId,
                  amount: BigInt(s.amount),
                  ttlMs: s.ttlMs,
                  raises: target.id,
                };
                break;
              }
              case 'capture':
                if (holds.length === 0) return null;
                command = {
                  kind: 'capture',
                  holdId: holds[s.hold % holds.length]!,
                  owe: s.owe,
                  ...(s.amount === null ? {} : { amount: BigInt(s.amount) }),
                  ...(s.share === null ? {} : { share: BigInt(s.share) }),
                };
                break;
              case 'release':
                if (holds.length === 0) return null;
                command = {
                  kind: 'release',
                  holdId: holds[s.hold % holds.length]!,
                  ...(s.amount === null ? {} : { amount: BigInt(s.amount) }),
                };
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
            for (const [i, result] of results.entries()) {
              if (!result.ok) continue;
              const value = result.value;
              if (value.kind === 'hold') holds.push(value.hold.id);
              if (value.kind === 'hold' && (value.hold.budgets ?? []).length === 0)
                plainHolds.set(value.hold.id, { id: value.hold.id, walletId: value.hold.walletId });
              const inHard = value.kind === 'hold' && value.hold.budgets?.find((b) => b.budgetId === hardId);
              if (inHard && !result.replayed)
                holdBucket.set(value.hold.id, { key: inHard.periodKey, amount: value.hold.amount });
              const bucket = value.kind === 'capture' && !result.replayed && holdBucket.get(value.hold.id);
              if (value.kind === 'capture' && bucket) {
                const charged = value.transactions.reduce((sum, t) => sum + t.amount, 0n);
                // An open hold's capture counted what was left of it already, a partial capture its
                // share; a charge after expiry did not.
                const command = operations[i]!.command;
                const share = command.kind === 'capture' ? (command.share ?? 0n) : 0n;
                const partial = value.transactions.some((t) => t.type === 'partial_capture');
                const counted = value.transactions.some((t) => t.type === 'capture')
                  ? bucket.amount
                  : partial
                    ? share
                    : 0n;
                if (partial) bucket.amount -= share;
                if (charged > counted)
                  excess.set(bucket.key, (excess.get(bucket.key) ?? 0n) + charged - counted);
              }
              // A partial release leaves less held: a later whole capture counts only what is left.
              const released = value.kind === 'release' && !result.replayed && holdBucket.get(value.hold.id);
              if (value.kind === 'release' && released) released.amount = value.hold.amount;
              if (value.kind === 'grant' || value.kind === 'deduct') transactions.push(value.transaction.id);
              if (value.kind === 'capture') transactions.push(...value.transactions.map((t) => t.id));
            }
          }
          expect(await ledger.verify()).toEqual([]);
          const periods = (await ctx.store.journalTotals()).budgetPeriods.filter(
            (p) => p.budgetId === hardId,
          );
          const used = (k: string) => {
            const p = periods.find((x) => x.periodKey === k);
            return (p ? p.spent + p.pending : 0n) - (excess.get(k) ?? 0n);
          };
          for (let b = 0; b <= bucketOf(now); b++) {
            expect(used(key(b - 1)) + used(key(b))).toBeLessThanOrEqual(HARD_CAP);
          }
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
