import type { IdFactory } from '../ids.ts';
import type { UsageEvent } from '../metering/usage-event.ts';
import { type Micros, minMicros } from '../money.ts';
import type { BudgetPeriod, Entry, Hold, IdempotencyRecord, Lot, Transaction, Wallet } from './types.ts';

/** What one ledger batch reads, under the lock of every wallet it names. */
export interface LedgerSnapshot {
  wallets: Wallet[];
  /** Lots with credits left of those wallets, and the lots that loaded transactions moved. */
  lots: Lot[];
  /** The holds the batch names, and the open holds of its wallets that are past their expiry. */
  holds: Hold[];
  transactions: LoadedTransaction[];
  idempotency: IdempotencyRecord[];
  /**
   * The budget buckets the batch's holds are checked against (every bucket of each window; a
   * bucket with no row is absent and counts as zero), read under the budgets' locks.
   */
  budgetPeriods?: BudgetPeriod[];
}

export interface LoadedTransaction {
  transaction: Transaction;
  entries: Entry[];
  reversed: boolean;
}

/** What one batch writes: new journal rows, and the final state of every row it changed. */
export interface LedgerWrites {
  transactions: Transaction[];
  entries: Entry[];
  lots: Map<string, Lot>;
  holds: Map<string, Hold>;
  wallets: Map<string, Wallet>;
  idempotency: IdempotencyRecord[];
  usageEvents: UsageEvent[];
  /**
   * Budget buckets as DELTAS (spent and pending to add), one per bucket: added to the row, which
   * is created if missing. Deltas let a capture or release move a bucket it did not load.
   */
  budgetPeriods: Map<string, BudgetPeriod>;
}

/** One key per budget bucket. */
export const budgetPeriodKey = (budgetId: string, periodKey: string): string =>
  `${budgetId}\u0000${periodKey}`;

export interface DrawPart {
  lotId: string | null;
  amount: Micros;
}

/**
 * The in-memory working set of a batch. Commands read and change it in order; every change is
 * also recorded in `writes`, which the store persists in the same transaction as the reads.
 */
export class LedgerState {
  readonly wallets = new Map<string, Wallet>();
  readonly lotsByWallet = new Map<string, Lot[]>();
  readonly holds = new Map<string, Hold>();
  readonly transactions = new Map<string, LoadedTransaction>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Budget buckets as they stand in this batch (loaded ones, and any the batch changed). */
  readonly budgetPeriods = new Map<string, BudgetPeriod>();
  readonly writes: LedgerWrites = {
    transactions: [],
    entries: [],
    lots: new Map(),
    holds: new Map(),
    wallets: new Map(),
    idempotency: [],
    usageEvents: [],
    budgetPeriods: new Map(),
  };

  constructor(
    snapshot: LedgerSnapshot,
    readonly now: number,
    readonly newId: IdFactory,
  ) {
    for (const wallet of snapshot.wallets) {
      this.wallets.set(wallet.id, { ...wallet });
      this.lotsByWallet.set(wallet.id, []);
    }
    for (const lot of snapshot.lots) {
      const lots = this.lotsByWallet.get(lot.walletId);
      if (lots && !lots.some((l) => l.id === lot.id)) lots.push({ ...lot });
    }
    for (const hold of snapshot.holds) this.holds.set(hold.id, { ...hold });
    for (const loaded of snapshot.transactions) this.transactions.set(loaded.transaction.id, loaded);
    for (const record of snapshot.idempotency) this.idempotency.set(record.key, record);
    for (const period of snapshot.budgetPeriods ?? []) {
      this.budgetPeriods.set(budgetPeriodKey(period.budgetId, period.periodKey), { ...period });
    }
  }

  /**
   * Moves a hold's budget buckets by (spent, pending). A bucket not loaded starts from zero here:
   * only buckets inside some hold's window are ever read, and those were all loaded.
   */
  moveBudgets(hold: Hold, spent: Micros, pending: Micros): void {
    for (const { budgetId, periodKey } of hold.budgets ?? []) {
      const key = budgetPeriodKey(budgetId, periodKey);
      const current = this.budgetPeriods.get(key) ?? { budgetId, periodKey, spent: 0n, pending: 0n };
      current.spent += spent;
      current.pending += pending;
      this.budgetPeriods.set(key, current);
      const delta = this.writes.budgetPeriods.get(key) ?? { budgetId, periodKey, spent: 0n, pending: 0n };
      delta.spent += spent;
      delta.pending += pending;
      this.writes.budgetPeriods.set(key, delta);
    }
  }

  lots(walletId: string): Lot[] {
    return this.lotsByWallet.get(walletId) ?? [];
  }

  lot(walletId: string, lotId: string): Lot | undefined {
    return this.lots(walletId).find((lot) => lot.id === lotId);
  }

  /** Balance minus open holds: what the wallet may still spend before its overdraft. */
  available(wallet: Wallet): Micros {
    return wallet.balance - wallet.pending;
  }

  spendable(wallet: Wallet): Micros {
    return this.available(wallet) + wallet.overdraftLimit;
  }

  touchWallet(wallet: Wallet): void {
    wallet.updatedAt = this.now;
    this.writes.wallets.set(wallet.id, wallet);
  }

  touchLot(lot: Lot): void {
    this.writes.lots.set(lot.id, lot);
  }

  touchHold(hold: Hold): void {
    this.holds.set(hold.id, hold);
    this.writes.holds.set(hold.id, hold);
  }

  /** Appends a transaction and its postings; the postings must sum to zero. */
  post(transaction: Transaction, entries: Omit<Entry, 'transactionId' | 'createdAt'>[]): Transaction {
    let sum = 0n;
    for (const entry of entries) sum += entry.amount;
    if (sum !== 0n) throw new Error(`unbalanced transaction ${transaction.type}: postings sum to ${sum}`);
    this.writes.transactions.push(transaction);
    for (const entry of entries) {
      this.writes.entries.push({ ...entry, transactionId: transaction.id, createdAt: this.now });
    }
    return transaction;
  }

  transaction(fields: Partial<Transaction> & Pick<Transaction, 'type' | 'walletId' | 'amount'>): Transaction {
    return {
      id: this.newId('txn'),
      counterWalletId: null,
      holdId: null,
      reversesId: null,
      idempotencyKey: null,
      reason: null,
      metadata: null,
      createdAt: this.now,
      ...fields,
    };
  }

  /**
   * The order lots are spent in: lots already past their expiry first (their credits are alive only to
   * fund holds taken before they expired), then soonest-expiring, then lowest priority, then oldest.
   */
  drawOrder(walletId: string): Lot[] {
    const now = this.now;
    return this.lots(walletId)
      .filter((lot) => lot.remaining > 0n)
      .sort((a, b) => {
        const aExpired = a.expiresAt !== null && a.expiresAt <= now;
        const bExpired = b.expiresAt !== null && b.expiresAt <= now;
        if (aExpired !== bExpired) return aExpired ? -1 : 1;
        const aExp = a.expiresAt ?? Number.POSITIVE_INFINITY;
        const bExp = b.expiresAt ?? Number.POSITIVE_INFINITY;
        if (aExp !== bExp) return aExp - bExp;
        if (a.priority !== b.priority) return a.priority - b.priority;
        if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
        return a.id < b.id ? -1 : 1;
      });
  }

  /** Takes `amount` out of the wallet's lots in draw order; what they lack comes from the overdraft. */
  draw(wallet: Wallet, amount: Micros, lots: Lot[] = this.drawOrder(wallet.id)): DrawPart[] {
    const parts: DrawPart[] = [];
    let left = amount;
    for (const lot of lots) {
      if (left === 0n) break;
      const take = minMicros(lot.remaining, left);
      if (take === 0n) continue;
      lot.remaining -= take;
      this.touchLot(lot);
      parts.push({ lotId: lot.id, amount: take });
      left -= take;
    }
    if (left > 0n) parts.push({ lotId: null, amount: left });
    wallet.balance -= amount;
    this.touchWallet(wallet);
    return parts;
  }

  /** What the wallet owes beyond its lots (credits spent from the overdraft); never negative. */
  debt(wallet: Wallet): Micros {
    let lots = 0n;
    for (const lot of this.lots(wallet.id)) lots += lot.remaining;
    return lots - wallet.balance > 0n ? lots - wallet.balance : 0n;
  }

  /**
   * Adds a lot of `amount` to the wallet. New credits first repay what the overdraft lent, then
   * what the wallet owes beyond it. Returns the postings (the counter posting is the caller's).
   */
  addLot(
    wallet: Wallet,
    transactionId: string,
    amount: Micros,
    attributes: Pick<Lot, 'source' | 'expiresAt' | 'priority'>,
  ): { lot: Lot; entries: Omit<Entry, 'transactionId' | 'createdAt'>[] } {
    const settled = minMicros(this.debt(wallet), amount);
    const repaid = minMicros(wallet.owed, amount - settled);
    const lot: Lot = {
      id: this.newId('lot'),
      walletId: wallet.id,
      transactionId,
      amount,
      remaining: amount - settled - repaid,
      createdAt: this.now,
      ...attributes,
    };
    const account = `wallet:${wallet.id}`;
    const entries: Omit<Entry, 'transactionId' | 'createdAt'>[] = [
      { account, walletId: wallet.id, lotId: lot.id, amount },
    ];
    if (settled > 0n) {
      entries.push({ account, walletId: wallet.id, lotId: lot.id, amount: -settled });
      entries.push({ account, walletId: wallet.id, lotId: null, amount: settled });
    }
    if (repaid > 0n) {
      entries.push({ account, walletId: wallet.id, lotId: lot.id, amount: -repaid });
      entries.push({ account: receivableAccount(wallet.id), walletId: null, lotId: null, amount: repaid });
      wallet.owed -= repaid;
    }
    this.lotsByWallet.get(wallet.id)?.push(lot);
    this.touchLot(lot);
    wallet.balance += amount - repaid;
    this.touchWallet(wallet);
    return { lot, entries };
  }

  /** Books `amount` as owed by the wallet's customer: revenue now, a receivable until repaid. */
  owe(wallet: Wallet, amount: Micros, holdId: string | null): Transaction {
    const transaction = this.transaction({ type: 'owed', walletId: wallet.id, amount, holdId });
    wallet.owed += amount;
    this.touchWallet(wallet);
    return this.post(transaction, [
      { account: receivableAccount(wallet.id), walletId: null, lotId: null, amount: -amount },
      { account: `revenue:${wallet.unit}`, walletId: null, lotId: null, amount },
    ]);
  }

  /**
   * Expires what is due on one wallet: open holds past their expiry are released, then lots past
   * their expiry break (their credits go to the breakage account), except what open holds still
   * need so that a hold taken before the expiry can always be captured.
   */
  settleExpiries(wallet: Wallet): { holdsExpired: number; breakage: Micros } {
    let holdsExpired = 0;
    for (const hold of this.holds.values()) {
      if (hold.walletId !== wallet.id || hold.status !== 'open' || hold.expiresAt > this.now) continue;
      hold.status = 'expired';
      hold.resolvedAt = this.now;
      this.touchHold(hold);
      wallet.pending -= hold.amount;
      this.touchWallet(wallet);
      this.moveBudgets(hold, 0n, -hold.amount);
      this.post(
        this.transaction({ type: 'hold_expiry', walletId: wallet.id, amount: hold.amount, holdId: hold.id }),
        [],
      );
      holdsExpired++;
    }
    let breakage = 0n;
    const expired = this.drawOrder(wallet.id).filter(
      (lot) => lot.expiresAt !== null && lot.expiresAt <= this.now,
    );
    for (const lot of expired) {
      const headroom = this.spendable(wallet);
      const amount = minMicros(lot.remaining, headroom > 0n ? headroom : 0n);
      if (amount === 0n) break;
      const transaction = this.transaction({ type: 'breakage', walletId: wallet.id, amount });
      const parts = this.draw(wallet, amount, [lot]);
      this.post(transaction, [
        ...parts.map((part) => ({
          account: `wallet:${wallet.id}`,
          walletId: wallet.id,
          ...part,
          amount: -part.amount,
        })),
        { account: `breakage:${wallet.unit}`, walletId: null, lotId: null, amount },
      ]);
      breakage += amount;
    }
    return { holdsExpired, breakage };
  }
}

/** What a wallet's customer owes beyond its overdraft: an asset of the vendor, so it runs negative. */
export const receivableAccount = (walletId: string): string => `receivable:${walletId}`;
