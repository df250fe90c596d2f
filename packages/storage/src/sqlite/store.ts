import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  budgetPeriodKey,
  type Hold,
  type JournalTotals,
  type LedgerLoadRequest,
  type LedgerSnapshot,
  type LedgerWrites,
  type LoadedTransaction,
  type Lot,
  type Transaction,
  type Wallet,
} from '@tollgate/domain';
import Database from 'better-sqlite3';
import { USAGE_EVENT_COLUMNS, usageEventValues } from '../gateway-store.ts';
import { sqliteRollupUpserts } from '../metering/rollups.ts';
import { migrations } from '../migrations.ts';
import {
  big,
  ENTRY_COLUMNS,
  entryValues,
  HOLD_COLUMNS,
  holdValues,
  jsonText,
  LOT_COLUMNS,
  lotValues,
  type Row,
  TRANSACTION_COLUMNS,
  toBudgetPeriod,
  toCustomer,
  toEntry,
  toHold,
  toIdempotency,
  toLot,
  toTransaction,
  toWallet,
  transactionValues,
} from '../rows.ts';
import type {
  Customer,
  NewWallet,
  Page,
  Store,
  TransactionFilter,
  TransactionWithEntries,
  WalletPatch,
} from '../store.ts';
import { RetryableStoreError } from '../store.ts';
import {
  type BackgroundCheckpointer,
  type CheckpointOptions,
  checkpointInBackground,
} from './checkpointer.ts';

const BUSY_TIMEOUT_MS = 5_000;
const ROLLUP_UPSERTS = sqliteRollupUpserts();
const CACHE_KIB = 65_536;
const MMAP_BYTES = 268_435_456;
const WAL_CHECKPOINT_PAGES = 10_000;

/** Wallets with a hold or a lot due to expire (parameters: now, now, limit). */
export const WALLETS_DUE_SQL = `SELECT wallet_id FROM holds WHERE status = 'open' AND expires_at <= ?
  UNION SELECT wallet_id FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ?
  LIMIT ?`;

export interface SqliteStoreOptions {
  backgroundCheckpoints?: boolean | CheckpointOptions;
}

const insertSql = (table: string, columns: readonly string[], conflict = '') =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${conflict}`;

/** Turns an array into the one parameter `IN (SELECT value FROM json_each(?))` reads. */
const list = (values: readonly string[]) => JSON.stringify(values);

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. Every statement is synchronous,
 * so a ledger batch (load, decide, write) runs inside one BEGIN IMMEDIATE with nothing interleaved.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private readonly checkpointer: BackgroundCheckpointer | null;

  /**
   * `backgroundCheckpoints`: WAL checkpoints run on a thread of their own instead of inside the
   * commit that crosses the threshold (see checkpointer.ts); for a long-running server.
   */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a killed process loses nothing that was committed; only a power cut can
    // lose the last transactions (FULL would add an fsync per commit).
    this.db.pragma(`synchronous = ${process.env.TOLLGATE_SQLITE_SYNCHRONOUS ?? 'NORMAL'}`);
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('foreign_keys = ON');
    // Hot pages stay in memory and reads skip the read() system call.
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // Fewer, larger checkpoints: each one copies the WAL back and syncs the database file.
    this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    this.checkpointer = checkpointInBackground(this.db, path, options.backgroundCheckpoints);
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private all(text: string, ...params: unknown[]): Row[] {
    return this.sql(text).all(...params) as Row[];
  }

  private get(text: string, ...params: unknown[]): Row | undefined {
    return this.sql(text).get(...params) as Row | undefined;
  }

  private run(text: string, ...params: unknown[]): Database.RunResult {
    return this.sql(text).run(...params);
  }

  async migrate(): Promise<string[]> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS tollgate_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied: string[] = [];
    const apply = this.db.transaction(() => {
      const done = new Set(
        this.db
          .prepare('SELECT version FROM tollgate_migrations')
          .all()
          .map((r) => Number((r as Row).version)),
      );
      for (const migration of migrations('sqlite')) {
        if (done.has(migration.version)) continue;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO tollgate_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
        applied.push(`${migration.version}_${migration.name}`);
      }
    });
    apply.immediate();
    return applied;
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    this.db.close();
  }

  async ledgerBatch(
    request: LedgerLoadRequest,
    now: number,
    decide: (snapshot: LedgerSnapshot) => LedgerWrites,
  ): Promise<void> {
    const batch = this.db.transaction(() => {
      const snapshot = this.loadSnapshot(request, now);
      this.write(decide(snapshot));
    });
    try {
      batch.immediate();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new RetryableStoreError(String(error));
      throw error;
    }
  }

  private loadSnapshot(request: LedgerLoadRequest, now: number): LedgerSnapshot {
    const walletIds = new Set(request.walletIds);
    const holds = new Map<string, Hold>();
    for (const row of this.all(
      'SELECT * FROM holds WHERE id IN (SELECT value FROM json_each(?))',
      list(request.holdIds),
    )) {
      const hold = toHold(row);
      holds.set(hold.id, hold);
      walletIds.add(hold.walletId);
    }
    const transactions: LoadedTransaction[] = [];
    const lotIds = new Set<string>();
    for (const id of request.transactionIds) {
      const loaded = this.loadTransaction(id);
      if (!loaded) continue;
      transactions.push(loaded);
      for (const entry of loaded.entries) {
        if (entry.walletId) walletIds.add(entry.walletId);
        if (entry.lotId) lotIds.add(entry.lotId);
      }
    }
    const ids = list([...walletIds]);
    const wallets = this.all('SELECT * FROM wallets WHERE id IN (SELECT value FROM json_each(?))', ids).map(
      toWallet,
    );
    const lots = this.all(
      'SELECT * FROM lots WHERE (wallet_id IN (SELECT value FROM json_each(?)) AND remaining > 0) OR id IN (SELECT value FROM json_each(?))',
      ids,
      list([...lotIds]),
    ).map(toLot);
    for (const row of this.all(
      "SELECT * FROM holds WHERE wallet_id IN (SELECT value FROM json_each(?)) AND status = 'open' AND expires_at <= ?",
      ids,
      now,
    )) {
      const hold = toHold(row);
      holds.set(hold.id, hold);
    }
    const idempotency = this.all(
      'SELECT * FROM idempotency_keys WHERE key IN (SELECT value FROM json_each(?))',
      list(request.idempotencyKeys),
    ).map(toIdempotency);
    // No lock to take: BEGIN IMMEDIATE already serializes every batch.
    const budgetPeriods = request.budgets.flatMap((w) =>
      this.all(
        'SELECT * FROM budget_periods WHERE budget_id = ? AND period_key >= ? AND (? IS NULL OR period_key <= ?)',
        w.budgetId,
        w.fromKey,
        w.toKey,
        w.toKey,
      ).map(toBudgetPeriod),
    );
    return { wallets, lots, holds: [...holds.values()], transactions, idempotency, budgetPeriods };
  }

  private loadTransaction(id: string): LoadedTransaction | undefined {
    const row = this.get('SELECT * FROM transactions WHERE id = ?', id);
    if (!row) return undefined;
    const entries = this.all('SELECT * FROM entries WHERE transaction_id = ? ORDER BY seq', id).map(toEntry);
    const reversed = this.get('SELECT 1 AS x FROM transactions WHERE reverses_id = ?', id) !== undefined;
    return { transaction: toTransaction(row), entries, reversed };
  }

  private write(writes: LedgerWrites): void {
    const insertTransaction = insertSql('transactions', TRANSACTION_COLUMNS);
    for (const t of writes.transactions) this.run(insertTransaction, ...transactionValues(t));
    const insertEntry = insertSql('entries', ENTRY_COLUMNS);
    for (const e of writes.entries) this.run(insertEntry, ...entryValues(e));
    const upsertLot = insertSql(
      'lots',
      LOT_COLUMNS,
      'ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining',
    );
    for (const l of writes.lots.values()) this.run(upsertLot, ...lotValues(l));
    const upsertHold = insertSql(
      'holds',
      HOLD_COLUMNS,
      'ON CONFLICT (id) DO UPDATE SET amount = excluded.amount, expires_at = excluded.expires_at, status = excluded.status, captured_amount = excluded.captured_amount, resolved_at = excluded.resolved_at',
    );
    for (const h of writes.holds.values()) this.run(upsertHold, ...holdValues(h));
    for (const w of writes.wallets.values()) {
      this.run(
        'UPDATE wallets SET balance = ?, pending = ?, owed = ?, updated_at = ? WHERE id = ?',
        w.balance,
        w.pending,
        w.owed,
        w.updatedAt,
        w.id,
      );
    }
    for (const d of writes.budgetPeriods.values()) {
      const sql = d.spent >= 0n && d.pending >= 0n ? BUDGET_DELTA_SQL : BUDGET_DECREASE_SQL;
      this.run(sql, d.spent, d.pending, d.budgetId, d.periodKey);
    }
    // Then the rollups, one grouped upsert each for the batch (the rowids it took are one range:
    // a write transaction runs alone).
    const insertUsageEvent = insertSql('usage_events', USAGE_EVENT_COLUMNS);
    let first = 0n;
    let last = 0n;
    for (const e of writes.usageEvents) {
      last = BigInt(this.run(insertUsageEvent, ...usageEventValues(e)).lastInsertRowid);
      if (first === 0n) first = last;
    }
    if (last !== 0n) for (const sql of ROLLUP_UPSERTS) this.run(sql, first, last);
    for (const r of writes.idempotency) {
      const claimed = this.run(
        'INSERT INTO idempotency_keys (key, request_hash, result, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
        r.key,
        r.requestHash,
        r.result,
        r.createdAt,
      );
      if (claimed.changes !== 1)
        throw new RetryableStoreError(`idempotency key ${r.key} was claimed meanwhile`);
    }
  }

  async walletSnapshot(walletId: string, now: number): Promise<LedgerSnapshot | undefined> {
    const row = this.get('SELECT * FROM wallets WHERE id = ?', walletId);
    if (!row) return undefined;
    return {
      wallets: [toWallet(row)],
      lots: this.all('SELECT * FROM lots WHERE wallet_id = ? AND remaining > 0', walletId).map(toLot),
      holds: this.all(
        "SELECT * FROM holds WHERE wallet_id = ? AND status = 'open' AND expires_at <= ?",
        walletId,
        now,
      ).map(toHold),
      transactions: [],
      idempotency: [],
    };
  }

  async walletsDueForExpiry(now: number, limit: number): Promise<string[]> {
    return this.all(WALLETS_DUE_SQL, now, now, limit).map((r) => String(r.wallet_id));
  }

  async journalTotals(): Promise<JournalTotals> {
    const read = this.db.transaction((): JournalTotals => {
      const sums = (sql: string) => new Map(this.all(sql).map((r) => [String(r.id), big(r.total)]));
      return {
        wallets: this.all('SELECT * FROM wallets').map(toWallet),
        lots: this.all('SELECT * FROM lots').map(toLot),
        journalTotal: big(this.get('SELECT COALESCE(SUM(amount), 0) AS total FROM entries')!.total),
        unbalancedTransactionIds: this.all(
          'SELECT transaction_id AS id FROM entries GROUP BY transaction_id HAVING SUM(amount) <> 0',
        ).map((r) => String(r.id)),
        walletEntrySums: sums(
          'SELECT wallet_id AS id, SUM(amount) AS total FROM entries WHERE wallet_id IS NOT NULL GROUP BY wallet_id',
        ),
        overdraftEntrySums: sums(
          'SELECT wallet_id AS id, SUM(amount) AS total FROM entries WHERE wallet_id IS NOT NULL AND lot_id IS NULL GROUP BY wallet_id',
        ),
        lotEntrySums: sums(
          'SELECT lot_id AS id, SUM(amount) AS total FROM entries WHERE lot_id IS NOT NULL GROUP BY lot_id',
        ),
        openHoldSums: sums(
          "SELECT wallet_id AS id, SUM(amount) AS total FROM holds WHERE status = 'open' GROUP BY wallet_id",
        ),
        receivableSums: sums(
          "SELECT substr(account, 12) AS id, SUM(amount) AS total FROM entries WHERE account LIKE 'receivable:%' GROUP BY account",
        ),
        holdResolutionMismatches: new Map(
          this.all(HOLD_RESOLUTION_SQL).map((r) => [String(r.id), Number(r.resolutions)]),
        ),
        budgetPeriods: this.all('SELECT * FROM budget_periods').map(toBudgetPeriod),
        budgetOpenHoldSums: budgetSums(this.all(BUDGET_OPEN_HOLDS_SQL)),
        budgetChargedSums: budgetSums(this.all(BUDGET_CHARGED_SQL)),
      };
    });
    return read.deferred();
  }

  async createCustomer(customer: Customer): Promise<Customer | 'exists'> {
    const result = this.run(
      'INSERT INTO customers (id, name, metadata, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      customer.id,
      customer.name,
      jsonText(customer.metadata),
      customer.createdAt,
    );
    return result.changes === 1 ? customer : 'exists';
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const row = this.get('SELECT * FROM customers WHERE id = ?', id);
    return row && toCustomer(row);
  }

  async listCustomers(afterId: string | null, limit: number): Promise<Customer[]> {
    return this.all('SELECT * FROM customers WHERE id > ? ORDER BY id LIMIT ?', afterId ?? '', limit).map(
      toCustomer,
    );
  }

  async createWallet(w: NewWallet): Promise<Wallet> {
    this.run(
      `INSERT INTO wallets (id, customer_id, team_id, unit, overdraft_limit, capture_policy, status, balance, pending, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'active', 0, 0, ?, ?)`,
      w.id,
      w.customerId,
      w.teamId,
      w.unit,
      w.overdraftLimit,
      w.capturePolicy,
      w.createdAt,
      w.createdAt,
    );
    return (await this.getWallet(w.id))!;
  }

  async getWallet(id: string): Promise<Wallet | undefined> {
    const row = this.get('SELECT * FROM wallets WHERE id = ?', id);
    return row && toWallet(row);
  }

  async listWallets(customerId: string | null, afterId: string | null, limit: number): Promise<Wallet[]> {
    return this.all(
      'SELECT * FROM wallets WHERE (? IS NULL OR customer_id = ?) AND id > ? ORDER BY id LIMIT ?',
      customerId,
      customerId,
      afterId ?? '',
      limit,
    ).map(toWallet);
  }

  async updateWallet(id: string, patch: WalletPatch, now: number): Promise<Wallet | undefined> {
    this.run(
      `UPDATE wallets SET status = COALESCE(?, status), overdraft_limit = COALESCE(?, overdraft_limit),
       capture_policy = COALESCE(?, capture_policy), updated_at = ? WHERE id = ?`,
      patch.status ?? null,
      patch.overdraftLimit ?? null,
      patch.capturePolicy ?? null,
      now,
      id,
    );
    return this.getWallet(id);
  }

  async listLots(walletId: string): Promise<Lot[]> {
    return this.all('SELECT * FROM lots WHERE wallet_id = ? ORDER BY created_at, id', walletId).map(toLot);
  }

  async getHold(id: string): Promise<Hold | undefined> {
    const row = this.get('SELECT * FROM holds WHERE id = ?', id);
    return row && toHold(row);
  }

  async getTransaction(id: string): Promise<TransactionWithEntries | undefined> {
    const row = this.get('SELECT * FROM transactions WHERE id = ?', id);
    if (!row) return undefined;
    const entries = this.all('SELECT * FROM entries WHERE transaction_id = ? ORDER BY seq', id).map(toEntry);
    return { transaction: toTransaction(row), entries, seq: big(row.seq) };
  }

  async listTransactions(filter: TransactionFilter): Promise<Page<Transaction>> {
    const rows = this.all(
      `SELECT * FROM transactions
       WHERE (? IS NULL OR wallet_id = ? OR counter_wallet_id = ?)
         AND (? IS NULL OR type IN (SELECT value FROM json_each(?)))
         AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)
         AND seq > ?
       ORDER BY seq LIMIT ?`,
      filter.walletId ?? null,
      filter.walletId ?? null,
      filter.walletId ?? null,
      filter.types ? 1 : null,
      list(filter.types ?? []),
      filter.from ?? null,
      filter.from ?? null,
      filter.to ?? null,
      filter.to ?? null,
      filter.afterSeq ?? 0n,
      filter.limit + 1,
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    return { data: page.map(toTransaction), nextSeq: more ? big(page.at(-1)!.seq) : null };
  }

  async countAdminKeys(): Promise<number> {
    return Number(this.get('SELECT COUNT(*) AS n FROM admin_keys')!.n);
  }

  async addAdminKey(id: string, digest: string, now: number): Promise<void> {
    this.run('INSERT INTO admin_keys (id, digest, created_at) VALUES (?, ?, ?)', id, digest, now);
  }

  async hasAdminKey(digest: string): Promise<boolean> {
    return this.get('SELECT 1 AS x FROM admin_keys WHERE digest = ?', digest) !== undefined;
  }
}

/**
 * Holds whose resolving transactions disagree with their status: an open hold has none, a
 * resolved one exactly one (capture, release or expiry; an overflow rides on its capture).
 */
export const HOLD_RESOLUTION_SQL = `
SELECT h.id AS id, COUNT(t.id) AS resolutions FROM holds h
LEFT JOIN transactions t ON t.hold_id = h.id AND t.type IN ('capture', 'release', 'hold_expiry')
GROUP BY h.id, h.status
HAVING COUNT(t.id) <> CASE WHEN h.status = 'open' THEN 0 ELSE 1 END`;

/**
 * Adds a batch's delta to a budget bucket, creating the row on first use. A delta that lowers a
 * bucket is an UPDATE: its row exists (the hold that raised it made it), and an INSERT's CHECK
 * would refuse the negative candidate row before finding the conflict.
 */
const BUDGET_DELTA_SQL = `INSERT INTO budget_periods (spent, pending, budget_id, period_key) VALUES (?, ?, ?, ?)
ON CONFLICT (budget_id, period_key) DO UPDATE SET spent = budget_periods.spent + excluded.spent, pending = budget_periods.pending + excluded.pending`;
const BUDGET_DECREASE_SQL =
  'UPDATE budget_periods SET spent = spent + ?, pending = pending + ? WHERE budget_id = ? AND period_key = ?';

const BUDGET_OPEN_HOLDS_SQL = `
SELECT json_extract(b.value, '$.budgetId') AS budget_id, json_extract(b.value, '$.periodKey') AS period_key, SUM(h.amount) AS total
FROM holds h, json_each(h.budgets) b WHERE h.budgets IS NOT NULL AND h.status = 'open' GROUP BY 1, 2`;

const BUDGET_CHARGED_SQL = `
SELECT json_extract(b.value, '$.budgetId') AS budget_id, json_extract(b.value, '$.periodKey') AS period_key, SUM(t.amount) AS total
FROM holds h, json_each(h.budgets) b
JOIN transactions t ON t.hold_id = h.id AND t.type IN ('capture', 'partial_capture', 'overflow', 'owed')
WHERE h.budgets IS NOT NULL GROUP BY 1, 2`;

/** Rows of (budget_id, period_key, total) by bucket key. */
export function budgetSums(rows: Row[]): Map<string, bigint> {
  return new Map(rows.map((r) => [budgetPeriodKey(String(r.budget_id), String(r.period_key)), big(r.total)]));
}

export type { Transaction };
