import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../metering/usage-event.ts';
import { decideBatch, type LedgerLoadRequest, loadRequest } from './decide.ts';
import type { LedgerSnapshot, LedgerWrites } from './state.ts';
import { budgetPeriodKey } from './state.ts';
import type {
  BudgetPeriod,
  Entry,
  Hold,
  LedgerCommand,
  LedgerResult,
  LedgerValue,
  Lot,
  Transaction,
  Wallet,
} from './types.ts';

/**
 * A tiny in-memory store: enough to run decideBatch the way the real stores do (load what the
 * request names, decide, apply the writes), so scenarios read as tables of commands.
 */
class MemoryLedger {
  wallets = new Map<string, Wallet>();
  lots = new Map<string, Lot>();
  holds = new Map<string, Hold>();
  transactions = new Map<string, Transaction>();
  entries: Entry[] = [];
  keys = new Map<string, { key: string; requestHash: string; result: string; createdAt: number }>();
  budgetPeriods = new Map<string, BudgetPeriod>();
  usageEvents: UsageEvent[] = [];
  now = 1_000_000;
  private seq = 0;

  constructor(wallets: Partial<Wallet>[]) {
    for (const w of wallets) {
      const wallet: Wallet = {
        id: 'w1',
        customerId: 'acme',
        teamId: null,
        unit: 'usd',
        overdraftLimit: 0n,
        capturePolicy: 'reject',
        status: 'active',
        balance: 0n,
        pending: 0n,
        owed: 0n,
        createdAt: 0,
        updatedAt: 0,
        ...w,
      };
      this.wallets.set(wallet.id, wallet);
    }
  }

  private snapshot(request: LedgerLoadRequest): LedgerSnapshot {
    const walletIds = new Set(request.walletIds);
    for (const id of request.holdIds) {
      const hold = this.holds.get(id);
      if (hold) walletIds.add(hold.walletId);
    }
    const transactions = request.transactionIds.flatMap((id) => {
      const transaction = this.transactions.get(id);
      if (!transaction) return [];
      const entries = this.entries.filter((e) => e.transactionId === id);
      for (const e of entries) if (e.walletId) walletIds.add(e.walletId);
      const reversed = [...this.transactions.values()].some((t) => t.reversesId === id);
      return [{ transaction, entries, reversed }];
    });
    const lotIds = new Set(transactions.flatMap((t) => t.entries.flatMap((e) => (e.lotId ? [e.lotId] : []))));
    return structuredClone({
      wallets: [...walletIds].flatMap((id) => (this.wallets.has(id) ? [this.wallets.get(id)!] : [])),
      lots: [...this.lots.values()].filter(
        (l) => (walletIds.has(l.walletId) && l.remaining > 0n) || lotIds.has(l.id),
      ),
      holds: [...this.holds.values()].filter(
        (h) =>
          request.holdIds.includes(h.id) ||
          (walletIds.has(h.walletId) && h.status === 'open' && h.expiresAt <= this.now),
      ),
      transactions,
      idempotency: request.idempotencyKeys.flatMap((k) => (this.keys.has(k) ? [this.keys.get(k)!] : [])),
      budgetPeriods: [...this.budgetPeriods.values()].filter((p) =>
        request.budgets.some(
          (w) =>
            w.budgetId === p.budgetId &&
            p.periodKey >= w.fromKey &&
            (w.toKey === null || p.periodKey <= w.toKey),
        ),
      ),
    });
  }

  private apply(writes: LedgerWrites): void {
    for (const t of writes.transactions) this.transactions.set(t.id, t);
    this.entries.push(...writes.entries);
    for (const l of writes.lots.values()) this.lots.set(l.id, structuredClone(l));
    for (const h of writes.holds.values()) this.holds.set(h.id, structuredClone(h));
    for (const w of writes.wallets.values()) this.wallets.set(w.id, structuredClone(w));
    for (const r of writes.idempotency) this.keys.set(r.key, r);
    this.usageEvents.push(...writes.usageEvents);
    // Deltas, as the stores add them.
    for (const d of writes.budgetPeriods.values()) {
      const key = budgetPeriodKey(d.budgetId, d.periodKey);
      const row = this.budgetPeriods.get(key) ?? { ...d, spent: 0n, pending: 0n };
      this.budgetPeriods.set(key, { ...row, spent: row.spent + d.spent, pending: row.pending + d.pending });
    }
  }

  budget(budgetId: string, periodKey: string): { spent: bigint; pending: bigint } {
    const row = this.budgetPeriods.get(budgetPeriodKey(budgetId, periodKey));
    return { spent: row?.spent ?? 0n, pending: row?.pending ?? 0n };
  }

  run(commands: LedgerCommand[], key?: string, hash = 'h'): LedgerResult[] {
    const operations = commands.map((command) => ({
      command,
      idempotencyKey: key ?? null,
      requestHash: hash,
    }));
    const { results, writes } = decideBatch(
      this.snapshot(loadRequest(operations)),
      operations,
      this.now,
      (p) => `${p}_${++this.seq}`,
    );
    this.apply(writes);
    return results;
  }

  one(command: LedgerCommand, key?: string, hash?: string): LedgerResult {
    return this.run([command], key, hash)[0]!;
  }

  value<C extends LedgerCommand>(command: C): Extract<LedgerValue, { kind: C['kind'] }> {
    const result = this.one(command);
    if (!result.ok) throw new Error(`${command.kind} failed: ${result.code}`);
    return result.value as Extract<LedgerValue, { kind: C['kind'] }>;
  }

  wallet(id = 'w1'): Wallet {
    return this.wallets.get(id)!;
  }

  journalSum(): bigint {
    return this.entries.reduce((sum, e) => sum + e.amount, 0n);
  }
}

type GrantCommand = Extract<LedgerCommand, { kind: 'grant' }>;
const grant = (amount: bigint, extra: Partial<GrantCommand> = {}): GrantCommand => ({
  kind: 'grant',
  walletId: 'w1',
  amount,
  source: 'purchase',
  expiresAt: null,
  priority: 50,
  ...extra,
});
const hold = (amount: bigint, walletId = 'w1', ttlMs = 60_000): Extract<LedgerCommand, { kind: 'hold' }> => ({
  kind: 'hold',
  walletId,
  amount,
  ttlMs,
});
const deduct = (amount: bigint, walletId = 'w1'): LedgerCommand => ({ kind: 'deduct', walletId, amount });

describe('holds count against what a wallet can spend', () => {
  it('accepts 5 holds of 1000 against 5000 and refuses the sixth (holds are never left out)', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(5000n));
    const results = ledger.run(Array.from({ length: 6 }, () => hold(1000n)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
    expect(results[5]).toMatchObject({ code: 'insufficient_credits', retryable: true });
    expect(ledger.wallet()).toMatchObject({ balance: 5000n, pending: 5000n });
  });

  it('a refused hold can never be captured later', () => {
    const ledger = new MemoryLedger([{}]);
    const refused = ledger.one(hold(10n));
    expect(refused).toMatchObject({ ok: false, code: 'insufficient_credits' });
    expect(ledger.holds.size).toBe(0);
  });

  it('resolves a hold exactly once, with a stable code for each later attempt', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n));
    const held = ledger.value({ kind: 'hold', walletId: 'w1', amount: 50n, ttlMs: 1000 });
    expect(ledger.one({ kind: 'release', holdId: held.hold.id }).ok).toBe(true);
    expect(ledger.one({ kind: 'release', holdId: held.hold.id })).toMatchObject({
      code: 'hold_already_released',
    });
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id })).toMatchObject({
      code: 'hold_already_released',
    });
    const second = ledger.value({ kind: 'hold', walletId: 'w1', amount: 50n, ttlMs: 1000 });
    expect(ledger.one({ kind: 'capture', holdId: second.hold.id, amount: 20n }).ok).toBe(true);
    expect(ledger.one({ kind: 'release', holdId: second.hold.id })).toMatchObject({
      code: 'hold_already_captured',
    });
    expect(ledger.wallet()).toMatchObject({ balance: 80n, pending: 0n });
  });

  it('expires a hold at its expiry: capture refused, credits available again without any job', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n));
    const held = ledger.value({ kind: 'hold', walletId: 'w1', amount: 100n, ttlMs: 1000 });
    ledger.now += 1000;
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id })).toMatchObject({ code: 'hold_expired' });
    expect(ledger.one(deduct(100n)).ok).toBe(true);
  });
});

describe('capture above the hold follows the policy', () => {
  it.each([
    ['reject', { ok: false, code: 'capture_exceeds_hold' }, 1000n],
    ['cap', { ok: true }, 940n],
    ['overflow', { ok: true }, 910n],
  ] as const)('%s', (capturePolicy, expected, balance) => {
    const ledger = new MemoryLedger([{ capturePolicy }]);
    ledger.one(grant(1000n));
    const held = ledger.value({ kind: 'hold', walletId: 'w1', amount: 60n, ttlMs: 1000 });
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id, amount: 90n })).toMatchObject(expected);
    expect(ledger.wallet().balance).toBe(balance);
  });

  it('overflow stays within the overdraft limit', () => {
    const ledger = new MemoryLedger([{ capturePolicy: 'overflow', overdraftLimit: 20n }]);
    ledger.one(grant(100n));
    const held = ledger.value({ kind: 'hold', walletId: 'w1', amount: 100n, ttlMs: 1000 });
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id, amount: 130n })).toMatchObject({
      code: 'insufficient_credits',
    });
    const captured = ledger.value({ kind: 'capture', holdId: held.hold.id, amount: 120n });
    expect(captured.transactions.map((t) => [t.type, t.amount])).toEqual([
      ['capture', 100n],
      ['overflow', 20n],
    ]);
    expect(ledger.wallet().balance).toBe(-20n);
  });
});

describe('partial captures (a shared hold, the gateway lease)', () => {
  it('each takes its share off the hold, which stays open; a release returns the rest', () => {
    const ledger = new MemoryLedger([{ capturePolicy: 'overflow' }]);
    ledger.one(grant(1000n));
    const lease = ledger.value(hold(600n));
    const first = ledger.value({ kind: 'capture', holdId: lease.hold.id, amount: 70n, share: 100n });
    expect(first.transactions.map((t) => [t.type, t.amount])).toEqual([['partial_capture', 70n]]);
    expect(first.hold).toMatchObject({ status: 'open', amount: 500n, capturedAmount: 70n });
    expect(ledger.wallet()).toMatchObject({ balance: 930n, pending: 500n });
    // Above its share: the excess is an overflow, as a whole capture's would be.
    const second = ledger.value({ kind: 'capture', holdId: lease.hold.id, amount: 150n, share: 100n });
    expect(second.transactions.map((t) => [t.type, t.amount])).toEqual([
      ['partial_capture', 100n],
      ['overflow', 50n],
    ]);
    expect(ledger.wallet()).toMatchObject({ balance: 780n, pending: 400n });
    // A partial release gives back part of what is left; the hold stays open with the rest.
    const trimmed = ledger.value({ kind: 'release', holdId: lease.hold.id, amount: 150n });
    expect(trimmed.hold).toMatchObject({ status: 'open', amount: 250n });
    expect(ledger.wallet()).toMatchObject({ pending: 250n });
    const released = ledger.value({ kind: 'release', holdId: lease.hold.id });
    expect(released.hold).toMatchObject({ status: 'released', amount: 250n, capturedAmount: 220n });
    expect(ledger.wallet()).toMatchObject({ balance: 780n, pending: 0n });
    expect(ledger.journalSum()).toBe(0n);
  });

  it('a raise grows an open hold as a new hold would be admitted, and pushes its expiry', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(1000n));
    const lease = ledger.value(hold(300n, 'w1', 1000));
    ledger.now += 500;
    const raised = ledger.value({ ...hold(400n, 'w1', 1000), raises: lease.hold.id });
    expect(raised.hold).toMatchObject({ id: lease.hold.id, amount: 700n, expiresAt: ledger.now + 1000 });
    expect(ledger.wallet()).toMatchObject({ pending: 700n });
    expect(ledger.one({ ...hold(301n), raises: lease.hold.id })).toMatchObject({
      code: 'insufficient_credits',
    });
    // A raise of 0 checks the wallet again and pushes the expiry; it journals nothing.
    const journal = ledger.transactions.size;
    ledger.now += 900;
    expect(ledger.value({ ...hold(0n, 'w1', 1000), raises: lease.hold.id }).hold.expiresAt).toBe(
      ledger.now + 1000,
    );
    expect(ledger.transactions.size).toBe(journal);
    ledger.wallets.get('w1')!.status = 'frozen';
    expect(ledger.one({ ...hold(0n), raises: lease.hold.id })).toMatchObject({ code: 'wallet_frozen' });
    ledger.wallets.get('w1')!.status = 'active';
    ledger.one({ kind: 'release', holdId: lease.hold.id });
    expect(ledger.one({ ...hold(1n), raises: lease.hold.id })).toMatchObject({
      code: 'hold_already_released',
    });
    expect(ledger.wallet()).toMatchObject({ balance: 1000n, pending: 0n });
  });

  it('a share that reaches the rest captures the hold whole, once', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(1000n));
    const lease = ledger.value(hold(300n));
    ledger.value({ kind: 'capture', holdId: lease.hold.id, amount: 100n, share: 200n });
    const last = ledger.value({ kind: 'capture', holdId: lease.hold.id, amount: 90n, share: 100n });
    expect(last.transactions.map((t) => t.type)).toEqual(['capture']);
    expect(last.hold).toMatchObject({ status: 'captured', capturedAmount: 190n });
    expect(ledger.one({ kind: 'capture', holdId: lease.hold.id, amount: 1n, share: 1n })).toMatchObject({
      code: 'hold_already_captured',
    });
    expect(ledger.wallet()).toMatchObject({ balance: 810n, pending: 0n });
  });

  it('the reject policy refuses a share captured above itself and changes nothing', () => {
    const ledger = new MemoryLedger([{ capturePolicy: 'reject' }]);
    ledger.one(grant(1000n));
    const lease = ledger.value(hold(300n));
    expect(ledger.one({ kind: 'capture', holdId: lease.hold.id, amount: 101n, share: 100n })).toMatchObject({
      code: 'capture_exceeds_hold',
    });
    expect(ledger.holds.get(lease.hold.id)).toMatchObject({ status: 'open', amount: 300n });
    expect(ledger.wallet()).toMatchObject({ balance: 1000n, pending: 300n });
  });

  it('a gateway charge of 0 after its hold expired is still metered, with no transaction', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(1000n));
    const held = ledger.value(hold(300n, 'w1', 1000));
    ledger.now += 1000;
    const event = { id: 'evt_free' } as UsageEvent;
    const charged = ledger.value({
      kind: 'capture',
      holdId: held.hold.id,
      amount: 0n,
      owe: true,
      usageEvent: event,
    });
    expect(charged.transactions).toEqual([]);
    expect(ledger.usageEvents).toEqual([{ id: 'evt_free', transactionId: null }]);
  });

  it('a gateway share whose hold was closed or expired meanwhile is charged all the same', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(1000n));
    const released = ledger.value(hold(300n));
    ledger.one({ kind: 'release', holdId: released.hold.id });
    const charged = ledger.value({
      kind: 'capture',
      holdId: released.hold.id,
      amount: 40n,
      share: 100n,
      owe: true,
    });
    expect(charged.transactions.map((t) => [t.type, t.amount])).toEqual([['overflow', 40n]]);
    const expiring = ledger.value(hold(300n, 'w1', 1000));
    ledger.now += 1000;
    ledger.value({ kind: 'capture', holdId: expiring.hold.id, amount: 60n, share: 100n, owe: true });
    expect(ledger.wallet()).toMatchObject({ balance: 900n, pending: 0n });
    // Without owe (not the gateway), a closed hold refuses as before.
    expect(ledger.one({ kind: 'capture', holdId: released.hold.id, amount: 1n, share: 1n })).toMatchObject({
      code: 'hold_already_released',
    });
  });
});

describe('lots', () => {
  it('spends soonest-expiring first, then by priority, and records the lots drawn', () => {
    const ledger = new MemoryLedger([{}]);
    const never = ledger.value(grant(100n));
    const late = ledger.value(grant(100n, { expiresAt: ledger.now + 10_000 }));
    const soon = ledger.value(grant(100n, { expiresAt: ledger.now + 5_000 }));
    const urgent = ledger.value(grant(100n, { priority: 1 }));
    const spent = ledger.value({ kind: 'deduct', walletId: 'w1', amount: 250n });
    const drawn = ledger.entries.filter((e) => e.transactionId === spent.transaction.id && e.lotId);
    expect(drawn.map((e) => [e.lotId, e.amount])).toEqual([
      [soon.lot.id, -100n],
      [late.lot.id, -100n],
      [urgent.lot.id, -50n],
    ]);
    expect(ledger.lots.get(never.lot.id)!.remaining).toBe(100n);
  });

  it('balance ignores lots past their expiry; the breakage entry comes with the next write', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n, { expiresAt: ledger.now + 1000 }));
    ledger.one(grant(50n));
    ledger.now += 1000;
    expect(ledger.one(deduct(60n))).toMatchObject({ code: 'insufficient_credits' });
    const breakage = [...ledger.transactions.values()].filter((t) => t.type === 'breakage');
    expect(breakage.map((t) => t.amount)).toEqual([100n]);
    expect(ledger.wallet().balance).toBe(50n);
    expect(ledger.journalSum()).toBe(0n);
  });

  it('keeps expired credits only for the holds taken before the expiry', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n, { expiresAt: ledger.now + 1000 }));
    const held = ledger.value({ kind: 'hold', walletId: 'w1', amount: 70n, ttlMs: 60_000 });
    ledger.now += 1000;
    ledger.one({ kind: 'expire', walletId: 'w1' });
    expect(ledger.wallet()).toMatchObject({ balance: 70n, pending: 70n });
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id, amount: 40n }).ok).toBe(true);
    ledger.one({ kind: 'expire', walletId: 'w1' });
    expect(ledger.wallet()).toMatchObject({ balance: 0n, pending: 0n });
  });

  it('a grant repays what the overdraft lent before it adds spendable credits', () => {
    const ledger = new MemoryLedger([{ overdraftLimit: 100n }]);
    ledger.one(deduct(80n));
    expect(ledger.wallet().balance).toBe(-80n);
    const granted = ledger.value(grant(100n));
    expect(granted.lot.remaining).toBe(20n);
    expect(ledger.wallet().balance).toBe(20n);
  });
});

describe('idempotency', () => {
  it('a replay returns the first result, failures included; another body under the key is refused', () => {
    const ledger = new MemoryLedger([{}]);
    const refused = ledger.one(deduct(10n), 'k1', 'a');
    ledger.one(grant(100n));
    expect(ledger.one(deduct(10n), 'k1', 'a')).toEqual({ ...refused, replayed: true });
    expect(ledger.one(deduct(20n), 'k1', 'b')).toMatchObject({ code: 'idempotency_key_reused' });
    const first = ledger.one(grant(5n), 'k2', 'g');
    const again = ledger.run([grant(5n), grant(5n)], 'k2', 'g');
    expect(again).toEqual([
      { ...first, replayed: true },
      { ...first, replayed: true },
    ]);
    expect(ledger.wallet().balance).toBe(105n);
  });
});

describe('transfers and reversals', () => {
  it('moves live credits between wallets of one customer, keeping expiry', () => {
    const ledger = new MemoryLedger([
      { id: 'w1' },
      { id: 'w2' },
      { id: 'w3', customerId: 'other' },
      { id: 'w4', unit: 'credits' },
    ]);
    ledger.one(grant(100n, { expiresAt: ledger.now + 9000 }));
    expect(ledger.one({ kind: 'transfer', fromWalletId: 'w1', toWalletId: 'w3', amount: 1n })).toMatchObject({
      code: 'customer_mismatch',
    });
    expect(ledger.one({ kind: 'transfer', fromWalletId: 'w1', toWalletId: 'w4', amount: 1n })).toMatchObject({
      code: 'unit_mismatch',
    });
    expect(ledger.one({ kind: 'transfer', fromWalletId: 'w1', toWalletId: 'w1', amount: 1n })).toMatchObject({
      code: 'same_wallet',
    });
    expect(
      ledger.one({ kind: 'transfer', fromWalletId: 'w1', toWalletId: 'w2', amount: 101n }),
    ).toMatchObject({ code: 'insufficient_credits' });
    ledger.one({ kind: 'transfer', fromWalletId: 'w1', toWalletId: 'w2', amount: 40n });
    expect(ledger.wallet('w2').balance).toBe(40n);
    const moved = [...ledger.lots.values()].find((l) => l.walletId === 'w2')!;
    expect(moved.expiresAt).toBe(ledger.now + 9000);
  });

  it('reverses a deduction once, by new entries, never by editing', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n));
    const spent = ledger.value({ kind: 'deduct', walletId: 'w1', amount: 30n });
    const before = ledger.entries.length;
    expect(ledger.one({ kind: 'reverse', transactionId: spent.transaction.id }).ok).toBe(true);
    expect(ledger.one({ kind: 'reverse', transactionId: spent.transaction.id })).toMatchObject({
      code: 'transaction_already_reversed',
    });
    expect(ledger.entries.length).toBe(before + 2);
    expect(ledger.wallet().balance).toBe(100n);
  });

  it('refuses to reverse a grant whose credits were spent', () => {
    const ledger = new MemoryLedger([{}]);
    const granted = ledger.value(grant(100n));
    ledger.one(deduct(1n));
    expect(ledger.one({ kind: 'reverse', transactionId: granted.transaction.id })).toMatchObject({
      code: 'insufficient_credits',
    });
  });

  it('reversing an overdraft debit after a grant repaid it returns the credits as a new lot', () => {
    const ledger = new MemoryLedger([{ overdraftLimit: 50n }]);
    const spent = ledger.value({ kind: 'deduct', walletId: 'w1', amount: 50n });
    ledger.one(grant(100n));
    ledger.one({ kind: 'reverse', transactionId: spent.transaction.id });
    expect(ledger.wallet().balance).toBe(100n);
    const overdraft = ledger.entries
      .filter((e) => e.walletId && e.lotId === null)
      .reduce((s, e) => s + e.amount, 0n);
    expect(overdraft).toBe(0n);
  });
});

describe('gateway captures always land (owe)', () => {
  it('debits beyond the hold within the overdraft, books the rest as owed, and the next grant repays it', () => {
    const ledger = new MemoryLedger([{ overdraftLimit: 10n }]);
    ledger.one(grant(100n));
    const held = ledger.value(hold(80n));
    const captured = ledger.value({ kind: 'capture', holdId: held.hold.id, amount: 150n, owe: true });
    expect(captured.transactions.map((t) => [t.type, t.amount])).toEqual([
      ['capture', 80n],
      ['overflow', 30n],
      ['owed', 40n],
    ]);
    expect(ledger.wallet()).toMatchObject({ balance: -10n, pending: 0n, owed: 40n });
    expect(ledger.one(hold(1n))).toMatchObject({ code: 'insufficient_credits' });
    expect(ledger.one(deduct(1n))).toMatchObject({ code: 'insufficient_credits' });
    const granted = ledger.value(grant(100n));
    // 10 repays the overdraft, 40 what was owed, 50 is left to spend.
    expect(granted.lot.remaining).toBe(50n);
    expect(ledger.wallet()).toMatchObject({ balance: 50n, owed: 0n });
    expect(ledger.journalSum()).toBe(0n);
    const receivable = ledger.entries
      .filter((e) => e.account === 'receivable:w1')
      .reduce((s, e) => s + e.amount, 0n);
    expect(receivable).toBe(0n);
  });

  it('charges a call whose hold expired before it ended', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n));
    const held = ledger.value(hold(50n, 'w1', 1000));
    ledger.now += 1000;
    const charged = ledger.value({ kind: 'capture', holdId: held.hold.id, amount: 30n, owe: true });
    expect(charged.transactions.map((t) => [t.type, t.amount])).toEqual([['overflow', 30n]]);
    expect(ledger.wallet().balance).toBe(70n);
    expect(ledger.one({ kind: 'capture', holdId: held.hold.id, amount: 30n })).toMatchObject({
      code: 'hold_expired',
    });
  });

  it('meters the call in the same batch as its capture', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(100n));
    const held = ledger.value(hold(50n));
    const operations = [
      {
        command: {
          kind: 'capture' as const,
          holdId: held.hold.id,
          amount: 20n,
          owe: true,
          usageEvent: { id: 'evt_1' } as never,
        },
      },
    ];
    const snapshot = {
      wallets: [ledger.wallet()],
      lots: [...ledger.lots.values()],
      holds: [ledger.holds.get(held.hold.id)!],
      transactions: [],
      idempotency: [],
    };
    const { writes } = decideBatch(snapshot, operations, ledger.now, (p) => `${p}_x`);
    expect(writes.usageEvents).toEqual([{ id: 'evt_1', transactionId: writes.transactions[0]!.id }]);
  });
});

describe('charges for usage that already happened (deduct with owe)', () => {
  it('debits what the wallet can spend, books the rest owed, and meters it', () => {
    const ledger = new MemoryLedger([{ overdraftLimit: 5n }]);
    ledger.one(grant(10n));
    const charged = ledger.value({
      kind: 'deduct',
      walletId: 'w1',
      amount: 40n,
      owe: true,
      usageEvent: { id: 'evt_otlp' } as never,
    });
    expect(charged.transactions?.map((t) => [t.type, t.amount])).toEqual([
      ['deduction', 15n],
      ['owed', 25n],
    ]);
    expect(ledger.wallet()).toMatchObject({ balance: -5n, owed: 25n });
    expect(ledger.journalSum()).toBe(0n);
  });
});

it('reversing a grant that repaid what was owed makes it owed again', () => {
  const ledger = new MemoryLedger([{}]);
  ledger.one({ kind: 'deduct', walletId: 'w1', amount: 30n, owe: true });
  const granted = ledger.value(grant(100n));
  expect(ledger.wallet()).toMatchObject({ balance: 70n, owed: 0n });
  expect(ledger.one({ kind: 'reverse', transactionId: granted.transaction.id }).ok).toBe(true);
  expect(ledger.wallet()).toMatchObject({ balance: 0n, owed: 30n });
  const receivable = ledger.entries
    .filter((e) => e.account === 'receivable:w1')
    .reduce((s, e) => s + e.amount, 0n);
  expect(receivable).toBe(-30n);
});

describe('budgets count captured spend plus open holds', () => {
  type Charge = NonNullable<Extract<LedgerCommand, { kind: 'hold' }>['budgets']>[number];
  const hard = (cap: bigint, periodKey = '2026-11', extra: Partial<Charge> = {}): Charge => ({
    budgetId: 'b1',
    periodKey,
    cap,
    mode: 'hard',
    ...extra,
  });
  const held = (amount: bigint, budgets: Charge[]) => ({ ...hold(amount), budgets });

  it.each([
    // holds (each against a hard cap of 100), admitted
    ['fits exactly', [40n, 60n], [true, true]],
    ['refuses the hold that would pass the cap', [40n, 50n, 20n], [true, true, false]],
    ['a refused hold reserves nothing', [90n, 20n, 10n], [true, false, true]],
  ] as const)('hard cap: %s', (_, amounts, admitted) => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    const results = ledger.run(amounts.map((a) => held(a, [hard(100n)])));
    expect(results.map((r) => r.ok)).toEqual(admitted);
    const refused = results.find((r) => !r.ok);
    if (refused) expect(refused).toMatchObject({ code: 'budget_exceeded', retryable: true, budgetId: 'b1' });
    const pending = amounts.filter((_, i) => admitted[i]).reduce((s, a) => s + a, 0n);
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 0n, pending });
    expect(ledger.wallet().pending).toBe(pending);
  });

  it('capture moves pending to spent (the excess too); release and expiry free pending', () => {
    const ledger = new MemoryLedger([{ capturePolicy: 'overflow' }]);
    ledger.one(grant(10_000n));
    const a = ledger.value(held(30n, [hard(100n)]));
    const b = ledger.value(held(30n, [hard(100n)]));
    const c = ledger.value({ ...held(30n, [hard(100n)]), ttlMs: 1000 });
    expect(a.hold.budgets).toEqual([{ budgetId: 'b1', periodKey: '2026-11' }]);
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 0n, pending: 90n });
    ledger.one({ kind: 'capture', holdId: a.hold.id, amount: 45n, owe: true });
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 45n, pending: 60n });
    ledger.one({ kind: 'release', holdId: b.hold.id });
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 45n, pending: 30n });
    ledger.now += 1000;
    ledger.one({ kind: 'expire', walletId: 'w1' });
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 45n, pending: 0n });
    // A gateway capture after the expiry still counts.
    ledger.one({ kind: 'capture', holdId: c.hold.id, amount: 5n, owe: true });
    expect(ledger.budget('b1', '2026-11')).toEqual({ spent: 50n, pending: 0n });
    // 50 spent: a hold of 51 does not fit, 50 does.
    expect(ledger.one(held(51n, [hard(100n)]))).toMatchObject({ code: 'budget_exceeded' });
    expect(ledger.one(held(50n, [hard(100n)])).ok).toBe(true);
  });

  it('a soft cap never refuses; the hold reports it passed', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    const soft = hard(100n, '2026-11', { mode: 'soft' });
    expect(ledger.value(held(80n, [soft])).budgets).toEqual([
      { budgetId: 'b1', periodKey: '2026-11', mode: 'soft', cap: 100n, used: 80n, exceeded: false },
    ]);
    expect(ledger.value(held(80n, [soft])).budgets?.[0]).toMatchObject({ used: 160n, exceeded: true });
  });

  it('every budget listed must fit; a refusal leaves all of them untouched', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    const team = hard(1000n, '2026-11', { budgetId: 'team' });
    const user = hard(50n, '2026-11-05', { budgetId: 'user' });
    expect(ledger.one(held(40n, [team, user])).ok).toBe(true);
    expect(ledger.one(held(40n, [team, user]))).toMatchObject({ code: 'budget_exceeded', budgetId: 'user' });
    expect(ledger.budget('team', '2026-11')).toEqual({ spent: 0n, pending: 40n });
    // Another user of the same team wallet is not held back by that user's budget.
    expect(ledger.one(held(40n, [team, { ...user, budgetId: 'user2' }])).ok).toBe(true);
  });

  it('periods roll: a new bucket starts empty', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    expect(ledger.one(held(100n, [hard(100n, '2026-11')])).ok).toBe(true);
    expect(ledger.one(held(1n, [hard(100n, '2026-11')]))).toMatchObject({ code: 'budget_exceeded' });
    expect(ledger.one(held(100n, [hard(100n, '2026-12')])).ok).toBe(true);
  });

  it('a rolling window sums its buckets; a bucket that leaves it frees its spend', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    const minute = (key: string, start: string) => hard(100n, key, { windowStartKey: start });
    expect(ledger.one(held(60n, [minute('10:00', '09:01')])).ok).toBe(true);
    expect(ledger.one(held(40n, [minute('10:30', '09:31')])).ok).toBe(true);
    expect(ledger.one(held(1n, [minute('10:59', '10:00')]))).toMatchObject({ code: 'budget_exceeded' });
    // At 11:00 the 10:00 bucket has left the window: 40 used of 100.
    expect(ledger.one(held(60n, [minute('11:00', '10:01')])).ok).toBe(true);
    expect(ledger.one(held(1n, [minute('11:00', '10:01')]))).toMatchObject({ code: 'budget_exceeded' });
    // An instance whose clock lags (still at 10:59) counts the later buckets too.
    expect(ledger.one(held(1n, [minute('10:59', '10:00')]))).toMatchObject({ code: 'budget_exceeded' });
  });

  it('budgets in one batch see each other, in order', () => {
    const ledger = new MemoryLedger([{}]);
    ledger.one(grant(10_000n));
    const results = ledger.run(Array.from({ length: 100 }, () => held(1n, [hard(30n)])));
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(ledger.budget('b1', '2026-11').pending).toBe(30n);
  });
});
