import type {
  CapturePolicy,
  Entry,
  Hold,
  JournalTotals,
  LedgerLoadRequest,
  LedgerSnapshot,
  LedgerWrites,
  Lot,
  Metadata,
  Micros,
  Transaction,
  TransactionType,
  Wallet,
  WalletStatus,
} from '@tollgate/domain';

export type Dialect = 'sqlite' | 'postgres';

export interface Customer {
  id: string;
  name: string | null;
  metadata: Metadata | null;
  createdAt: number;
}

export interface NewWallet {
  id: string;
  customerId: string;
  teamId: string | null;
  unit: string;
  overdraftLimit: Micros;
  capturePolicy: CapturePolicy;
  createdAt: number;
}

export interface WalletPatch {
  status?: WalletStatus;
  overdraftLimit?: Micros;
  capturePolicy?: CapturePolicy;
}

export interface TransactionFilter {
  walletId?: string;
  types?: TransactionType[];
  /** Inclusive lower and exclusive upper bound, ms since the epoch. */
  from?: number;
  to?: number;
  /** Journal position to continue after (from the previous page's next_cursor). */
  afterSeq?: bigint;
  limit: number;
}

export interface Page<T> {
  data: T[];
  nextSeq: bigint | null;
}

export interface TransactionWithEntries {
  transaction: Transaction;
  entries: Entry[];
  seq: bigint;
}

/**
 * One store, two implementations (SQLite and PostgreSQL) that pass the same contract tests.
 * Ledger mutations go only through `ledgerBatch`: load under lock, decide (pure), write, commit.
 */
export interface Store {
  readonly dialect: Dialect;
  /** Applies pending migrations; returns the names applied. Safe to run from several processes. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;

  /**
   * In one database transaction: lock the wallets the request names (and those of its holds and
   * transactions), load what `decide` needs, call it, and write what it returns.
   * Throws a RetryableStoreError when the transaction lost a race and may simply be run again.
   * `durable: false` lets the commit return before it is flushed to disk where the store can
   * (PostgreSQL's `synchronous_commit = off`); SQLite in WAL mode never waits for a flush.
   * `onSent`, where the store talks to a server: called once the writes and the COMMIT are sent,
   * while the batch still holds its locks, before the server answers (see the ledger's hold lane).
   */
  ledgerBatch(
    request: LedgerLoadRequest,
    now: number,
    decide: (snapshot: LedgerSnapshot) => LedgerWrites,
    options?: { durable?: boolean; onSent?: () => void },
  ): Promise<void>;
  /** A wallet with what a read needs to settle expiries in memory (see viewWallet). */
  walletSnapshot(walletId: string, now: number): Promise<LedgerSnapshot | undefined>;
  /** Wallets with open holds or lots with credits past their expiry. */
  walletsDueForExpiry(now: number, limit: number): Promise<string[]>;
  journalTotals(): Promise<JournalTotals>;

  createCustomer(customer: Customer): Promise<Customer | 'exists'>;
  getCustomer(id: string): Promise<Customer | undefined>;
  listCustomers(afterId: string | null, limit: number): Promise<Customer[]>;
  createWallet(wallet: NewWallet): Promise<Wallet>;
  getWallet(id: string): Promise<Wallet | undefined>;
  listWallets(customerId: string | null, afterId: string | null, limit: number): Promise<Wallet[]>;
  updateWallet(id: string, patch: WalletPatch, now: number): Promise<Wallet | undefined>;
  listLots(walletId: string): Promise<Lot[]>;
  getHold(id: string): Promise<Hold | undefined>;
  getTransaction(id: string): Promise<TransactionWithEntries | undefined>;
  listTransactions(filter: TransactionFilter): Promise<Page<Transaction>>;

  /** Admin keys are stored as SHA-256 digests only. */
  countAdminKeys(): Promise<number>;
  addAdminKey(id: string, digest: string, now: number): Promise<void>;
  hasAdminKey(digest: string): Promise<boolean>;
}

/** The transaction lost a race (deadlock, serialization, a key claimed meanwhile): run it again. */
export class RetryableStoreError extends Error {
  override readonly name = 'RetryableStoreError';
}
