import type { UsageEvent } from '../metering/usage-event.ts';
import type { Micros } from '../money.ts';

export type WalletStatus = 'active' | 'frozen';
/** What a capture above its hold does: refuse, capture only the held amount, or debit the excess too. */
export type CapturePolicy = 'reject' | 'cap' | 'overflow';
export type GrantSource = 'purchase' | 'promo' | 'rollover' | 'adjustment' | 'transfer';
export type HoldStatus = 'open' | 'captured' | 'released' | 'expired';
export type TransactionType =
  | 'grant'
  | 'deduction'
  | 'hold'
  | 'release'
  | 'capture'
  | 'partial_capture'
  | 'partial_release'
  | 'overflow'
  | 'hold_expiry'
  | 'transfer'
  | 'breakage'
  | 'reversal'
  | 'owed';

export type Metadata = Record<string, string>;

export interface Wallet {
  id: string;
  customerId: string;
  teamId: string | null;
  unit: string;
  /** How far below zero the posted balance minus open holds may go. */
  overdraftLimit: Micros;
  capturePolicy: CapturePolicy;
  status: WalletStatus;
  /** Posted balance: the sum of the wallet account's journal entries. */
  balance: Micros;
  /** Sum of open holds. */
  pending: Micros;
  /** Captured beyond the overdraft and not yet paid: repaid first by the next grant. */
  owed: Micros;
  createdAt: number;
  updatedAt: number;
}

/** A grant's credits: spent soonest-expiring first, then by priority (lower first), then oldest. */
export interface Lot {
  id: string;
  walletId: string;
  transactionId: string;
  source: GrantSource;
  amount: Micros;
  remaining: Micros;
  expiresAt: number | null;
  priority: number;
  createdAt: number;
}

export interface Hold {
  id: string;
  walletId: string;
  amount: Micros;
  capturedAmount: Micros;
  status: HoldStatus;
  capturePolicy: CapturePolicy;
  expiresAt: number;
  createdAt: number;
  resolvedAt: number | null;
  metadata: Metadata | null;
  /** The budget periods this hold counts in (see budgets.ts); absent or empty: none. */
  budgets?: HoldBudget[] | null;
}

export type BudgetMode = 'soft' | 'hard';

/**
 * A budget a hold counts against, as the caller resolved it for this call: which period bucket
 * it lands in and, for a rolling window, the first bucket the cap sums over.
 */
export interface BudgetCharge {
  budgetId: string;
  /** The bucket this hold's amount is counted in (e.g. '2026-11' or a minute of a rolling hour). */
  periodKey: string;
  /** First bucket summed against the cap (a rolling window); absent: the period bucket alone. */
  windowStartKey?: string;
  /** The cap, in micros of the wallet's unit. */
  cap: Micros;
  mode: BudgetMode;
}

/** Where a hold counts: recorded on it, so its capture, release or expiry moves the right bucket. */
export interface HoldBudget {
  budgetId: string;
  periodKey: string;
}

/** A budget's counters for one bucket: captured spend and open holds. */
export interface BudgetPeriod {
  budgetId: string;
  periodKey: string;
  spent: Micros;
  pending: Micros;
}

/** How a budget stood once a hold was admitted: `used` counts that hold too. */
export interface BudgetUse {
  budgetId: string;
  periodKey: string;
  mode: BudgetMode;
  cap: Micros;
  used: Micros;
  /** A soft budget past its cap: the call goes through with a warning. */
  exceeded: boolean;
}

export interface Transaction {
  id: string;
  type: TransactionType;
  walletId: string;
  /** The other wallet of a transfer. */
  counterWalletId: string | null;
  amount: Micros;
  holdId: string | null;
  /** For a reversal: the transaction it reverses. */
  reversesId: string | null;
  idempotencyKey: string | null;
  reason: string | null;
  metadata: Metadata | null;
  createdAt: number;
}

/**
 * One posting. `account` is `wallet:<id>` for a wallet, or a system account per unit:
 * `issuance:<unit>` (credits granted), `revenue:<unit>` (credits spent), `breakage:<unit>` (expired).
 * A wallet posting names the lot it moved (null: the wallet's overdraft, never positive).
 */
export interface Entry {
  transactionId: string;
  account: string;
  walletId: string | null;
  lotId: string | null;
  amount: Micros;
  createdAt: number;
}

export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  /** The serialized LedgerResult of the first attempt, failures included. */
  result: string;
  createdAt: number;
}

export type LedgerCommand =
  | {
      kind: 'grant';
      walletId: string;
      amount: Micros;
      unit?: string;
      source: GrantSource;
      expiresAt: number | null;
      priority: number;
      reason?: string | null;
      metadata?: Metadata | null;
    }
  | {
      kind: 'deduct';
      walletId: string;
      amount: Micros;
      unit?: string;
      reason?: string | null;
      metadata?: Metadata | null;
      /**
       * For usage that already happened (a call reported after the fact): the charge always
       * lands; what the wallet cannot spend is booked as owed.
       */
      owe?: boolean;
      /** Metered in the same transaction as the charge. */
      usageEvent?: UsageEvent;
    }
  | {
      kind: 'hold';
      walletId: string;
      amount: Micros;
      unit?: string;
      ttlMs: number;
      capturePolicy?: CapturePolicy;
      metadata?: Metadata | null;
      /** Budgets the hold counts against: a hard one it would overshoot refuses it. */
      budgets?: BudgetCharge[];
      /**
       * An open hold of the wallet to raise by `amount` (0: none) instead of opening a new one, as
       * an incremental authorization: admitted like a new hold of `amount`, and its expiry pushed
       * to `ttlMs` from now if that is later. The gateway's leases grow this way.
       */
      raises?: string;
    }
  | {
      kind: 'capture';
      holdId: string;
      amount?: Micros;
      reason?: string | null;
      /**
       * The gateway's capture: it always lands. What the hold does not cover is debited within the
       * overdraft, and what the overdraft cannot cover is booked as owed; a hold that expired is
       * charged the same way.
       */
      owe?: boolean;
      /**
       * A partial capture: the share of the hold this capture uses up. The hold's amount drops by
       * it and the hold stays open for later captures (a `partial_capture`); a share that reaches
       * the hold's amount captures it whole. Absent: the whole hold, resolved by this capture.
       */
      share?: Micros;
      /** Metered in the same transaction as the capture. */
      usageEvent?: UsageEvent;
      /**
       * Several calls captured as one (the gateway's settlements of one lease in one batch):
       * `amount` and `share` are their sums, and each call's event is metered with the capture.
       */
      usageEvents?: UsageEvent[];
    }
  | {
      kind: 'release';
      holdId: string;
      /** A partial release: this much goes back and the hold stays open with the rest. Absent: all of it. */
      amount?: Micros;
    }
  | { kind: 'transfer'; fromWalletId: string; toWalletId: string; amount: Micros; reason?: string | null }
  | { kind: 'reverse'; transactionId: string; reason?: string | null }
  | { kind: 'expire'; walletId: string };

export interface LedgerOperation {
  command: LedgerCommand;
  idempotencyKey?: string | null;
  /** A digest of the request: a replay under the same key with another digest is refused. */
  requestHash?: string | null;
}

export type LedgerValue =
  | { kind: 'grant'; transaction: Transaction; lot: Lot; wallet: Wallet }
  | { kind: 'deduct'; transaction: Transaction; wallet: Wallet; transactions?: Transaction[] }
  | { kind: 'hold'; hold: Hold; wallet: Wallet; budgets?: BudgetUse[] }
  | { kind: 'capture'; hold: Hold; transactions: Transaction[]; wallet: Wallet }
  | { kind: 'release'; hold: Hold; wallet: Wallet }
  | { kind: 'transfer'; transaction: Transaction; from: Wallet; to: Wallet }
  | { kind: 'reverse'; transaction: Transaction; wallets: Wallet[] }
  | { kind: 'expire'; wallet: Wallet; holdsExpired: number; breakage: Micros };

export type LedgerResult =
  | { ok: true; value: LedgerValue; replayed?: boolean }
  | {
      ok: false;
      code: LedgerErrorCode;
      message: string;
      retryable: boolean;
      replayed?: boolean;
      /** For budget_exceeded: the budget that refused. */
      budgetId?: string;
    };

export type LedgerErrorCode =
  | 'insufficient_credits'
  | 'wallet_not_found'
  | 'wallet_frozen'
  | 'unit_mismatch'
  | 'customer_mismatch'
  | 'same_wallet'
  | 'hold_not_found'
  | 'hold_already_captured'
  | 'hold_already_released'
  | 'hold_expired'
  | 'capture_exceeds_hold'
  | 'transaction_not_found'
  | 'transaction_not_reversible'
  | 'transaction_already_reversed'
  | 'idempotency_key_reused'
  | 'budget_exceeded';
