import type { Micros } from '../money.ts';
import { BUDGET_LOCK_PERIOD_KEY } from './budgets.ts';
import { budgetPeriodKey } from './state.ts';
import type { BudgetPeriod, Lot, Wallet } from './types.ts';

/** Sums a store computes from its journal, for `ledger verify`. */
export interface JournalTotals {
  wallets: Wallet[];
  lots: Lot[];
  /** Sum of every entry of every account. */
  journalTotal: Micros;
  /** Transactions whose entries do not sum to zero. */
  unbalancedTransactionIds: string[];
  walletEntrySums: Map<string, Micros>;
  /** Per wallet: the sum of its entries that name no lot (its overdraft use; never positive). */
  overdraftEntrySums: Map<string, Micros>;
  lotEntrySums: Map<string, Micros>;
  openHoldSums: Map<string, Micros>;
  /** Per wallet: the sum of its receivable account (`receivable:<wallet id>`), negative while it owes. */
  receivableSums: Map<string, Micros>;
  /** Holds whose resolutions (capture, release, expiry) do not match their status: id → count. */
  holdResolutionMismatches: Map<string, number>;
  /** Every budget bucket, the lock rows included. */
  budgetPeriods: BudgetPeriod[];
  /** Per bucket (`budgetPeriodKey`): the amounts of the open holds recorded on it. */
  budgetOpenHoldSums: Map<string, Micros>;
  /** Per bucket: what the holds recorded on it were charged (their capture, overflow and owed transactions). */
  budgetChargedSums: Map<string, Micros>;
}

export interface Violation {
  code: string;
  subject: string;
  message: string;
}

/** Checks the ledger's invariants (see README.md); an empty list means the journal is sound. */
export function verifyJournal(totals: JournalTotals): Violation[] {
  const violations: Violation[] = [];
  const add = (code: string, subject: string, message: string) => violations.push({ code, subject, message });
  if (totals.journalTotal !== 0n)
    add('journal_unbalanced', 'journal', `entries sum to ${totals.journalTotal}`);
  for (const id of totals.unbalancedTransactionIds)
    add('transaction_unbalanced', id, 'entries do not sum to 0');
  for (const wallet of totals.wallets) {
    const posted = totals.walletEntrySums.get(wallet.id) ?? 0n;
    if (posted !== wallet.balance) {
      add('balance_mismatch', wallet.id, `balance ${wallet.balance}, journal says ${posted}`);
    }
    const overdraft = totals.overdraftEntrySums.get(wallet.id) ?? 0n;
    if (overdraft > 0n) add('overdraft_positive', wallet.id, `entries without a lot sum to ${overdraft} > 0`);
    const pending = totals.openHoldSums.get(wallet.id) ?? 0n;
    if (pending !== wallet.pending)
      add('pending_mismatch', wallet.id, `pending ${wallet.pending}, open holds ${pending}`);
    const receivable = totals.receivableSums.get(wallet.id) ?? 0n;
    if (wallet.owed !== -receivable)
      add('owed_mismatch', wallet.id, `owed ${wallet.owed}, receivable says ${-receivable}`);
    if (wallet.balance - wallet.pending < -wallet.overdraftLimit) {
      add(
        'overdraft_exceeded',
        wallet.id,
        `balance ${wallet.balance} − pending ${wallet.pending} is below −${wallet.overdraftLimit}`,
      );
    }
  }
  for (const lot of totals.lots) {
    const sum = totals.lotEntrySums.get(lot.id) ?? 0n;
    if (sum !== lot.remaining) add('lot_mismatch', lot.id, `remaining ${lot.remaining}, journal says ${sum}`);
    if (lot.remaining < 0n || lot.remaining > lot.amount) {
      add('lot_out_of_range', lot.id, `remaining ${lot.remaining} outside 0..${lot.amount}`);
    }
  }
  for (const [holdId, count] of totals.holdResolutionMismatches) {
    add('hold_resolution', holdId, `resolved ${count} times for its status`);
  }
  verifyBudgets(totals, add);
  return violations;
}

/**
 * A budget bucket's `pending` equals the open holds recorded on it and its `spent` what those
 * holds were charged; a bucket that no hold names holds zero (the lock row always does).
 */
function verifyBudgets(
  totals: JournalTotals,
  add: (code: string, subject: string, message: string) => void,
): void {
  const seen = new Set<string>();
  for (const period of totals.budgetPeriods) {
    const key = budgetPeriodKey(period.budgetId, period.periodKey);
    seen.add(key);
    const subject = `${period.budgetId}@${period.periodKey}`;
    const pending = totals.budgetOpenHoldSums.get(key) ?? 0n;
    const spent = totals.budgetChargedSums.get(key) ?? 0n;
    if (period.pending !== pending)
      add('budget_pending_mismatch', subject, `pending ${period.pending}, open holds ${pending}`);
    if (period.spent !== spent)
      add('budget_spent_mismatch', subject, `spent ${period.spent}, charged ${spent}`);
    if (period.periodKey === BUDGET_LOCK_PERIOD_KEY && (period.spent !== 0n || period.pending !== 0n))
      add('budget_lock_row_used', subject, 'the lock row counts something');
  }
  for (const [key, sum] of [...totals.budgetOpenHoldSums, ...totals.budgetChargedSums]) {
    if (sum !== 0n && !seen.has(key))
      add('budget_period_missing', key.replace('\u0000', '@'), `holds count ${sum} in a bucket with no row`);
  }
}
