import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type BenchSubject, HOLD_TTL_MS } from './subject.ts';

/**
 * The baseline: how a careful engineer writes a hold/capture ledger without batching. One database
 * transaction per operation: lock the wallet row, check what it can spend (balance − pending +
 * overdraft limit), write the hold row and a journal row, update the wallet, commit. A capture locks
 * its hold and wallet in one statement, refuses a hold that is not open or an amount above it,
 * debits the wallet, clears the pending amount and journals it. Same semantics as Tollgate's hold
 * and capture (policy `reject`), fewer features (no lots, no double entry, no idempotency).
 */
const SCHEMA = `
CREATE TABLE naive_wallets (
  id TEXT PRIMARY KEY,
  balance BIGINT NOT NULL,
  pending BIGINT NOT NULL,
  overdraft_limit BIGINT NOT NULL,
  funded BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE naive_holds (
  id TEXT PRIMARY KEY,
  wallet_id TEXT NOT NULL REFERENCES naive_wallets(id),
  amount BIGINT NOT NULL,
  captured_amount BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  resolved_at BIGINT
);
CREATE INDEX naive_holds_open_wallet ON naive_holds (wallet_id, expires_at) WHERE status = 'open';
CREATE TABLE naive_journal (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  wallet_id TEXT NOT NULL,
  hold_id TEXT,
  amount BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX naive_journal_wallet ON naive_journal (wallet_id, created_at);
`;

/**
 * Wallets below their overdraft limit, or whose balance or pending disagrees with the journal and
 * the open holds: the baseline's equivalent of `ledger verify`.
 */
const VIOLATIONS_SQL = `
SELECT COUNT(*) AS n FROM naive_wallets w
WHERE w.balance - w.pending < -w.overdraft_limit
   OR w.balance <> w.funded - COALESCE((SELECT SUM(j.amount) FROM naive_journal j WHERE j.wallet_id = w.id AND j.type = 'capture'), 0)
   OR w.pending <> COALESCE((SELECT SUM(h.amount) FROM naive_holds h WHERE h.wallet_id = w.id AND h.status = 'open'), 0)`;

const POOL_SIZE_MAX = 16;

export class NaivePostgresLedger implements BenchSubject {
  readonly implementation = 'naive' as const;
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: POOL_SIZE_MAX });
    this.pool.on('error', () => {});
  }

  async createWallets(walletIds: readonly string[], fundingMicros: bigint): Promise<void> {
    await this.pool.query(
      `${SCHEMA.replaceAll('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS').replaceAll('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS')}`,
    );
    await this.pool.query(
      `INSERT INTO naive_wallets (id, balance, pending, overdraft_limit, funded, updated_at)
       SELECT id, $2, 0, 0, $2, $3 FROM unnest($1::text[]) AS id`,
      [walletIds, fundingMicros.toString(), Date.now()],
    );
  }

  async hold(walletId: string, amountMicros: bigint): Promise<string | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const wallet = (
        await client.query(
          'SELECT balance, pending, overdraft_limit FROM naive_wallets WHERE id = $1 FOR UPDATE',
          [walletId],
        )
      ).rows[0];
      if (
        !wallet ||
        amountMicros > BigInt(wallet.balance) - BigInt(wallet.pending) + BigInt(wallet.overdraft_limit)
      ) {
        await client.query('ROLLBACK');
        return null;
      }
      const now = Date.now();
      const holdId = `hold_${randomUUID()}`;
      const amount = amountMicros.toString();
      await client.query(
        `INSERT INTO naive_holds (id, wallet_id, amount, status, expires_at, created_at) VALUES ($1, $2, $3, 'open', $4, $5)`,
        [holdId, walletId, amount, now + HOLD_TTL_MS, now],
      );
      await client.query(
        `INSERT INTO naive_journal (id, type, wallet_id, hold_id, amount, created_at) VALUES ($1, 'hold', $2, $3, $4, $5)`,
        [`txn_${randomUUID()}`, walletId, holdId, amount, now],
      );
      await client.query('UPDATE naive_wallets SET pending = pending + $1, updated_at = $2 WHERE id = $3', [
        amount,
        now,
        walletId,
      ]);
      await client.query('COMMIT');
      return holdId;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async capture(holdId: string, amountMicros: bigint): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const hold = (
        await client.query(
          `SELECT h.wallet_id, h.amount, h.status FROM naive_holds h JOIN naive_wallets w ON w.id = h.wallet_id
           WHERE h.id = $1 FOR UPDATE`,
          [holdId],
        )
      ).rows[0];
      if (hold?.status !== 'open' || amountMicros > BigInt(hold.amount)) {
        await client.query('ROLLBACK');
        throw new Error(`naive capture of ${holdId} refused`);
      }
      const now = Date.now();
      const amount = amountMicros.toString();
      await client.query(
        `UPDATE naive_holds SET status = 'captured', captured_amount = $1, resolved_at = $2 WHERE id = $3`,
        [amount, now, holdId],
      );
      await client.query(
        `INSERT INTO naive_journal (id, type, wallet_id, hold_id, amount, created_at) VALUES ($1, 'capture', $2, $3, $4, $5)`,
        [`txn_${randomUUID()}`, hold.wallet_id, holdId, amount, now],
      );
      await client.query(
        'UPDATE naive_wallets SET balance = balance - $1, pending = pending - $2, updated_at = $3 WHERE id = $4',
        [amount, hold.amount, now, hold.wallet_id],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async violations(): Promise<number> {
    return Number((await this.pool.query(VIOLATIONS_SQL)).rows[0].n);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The SQLite baseline: one BEGIN IMMEDIATE transaction per operation doing the same reads, checks
 * and writes, on its own database file with the pragmas the SQLite store uses (WAL, synchronous
 * NORMAL). better-sqlite3 is synchronous, so operations run one after another.
 */
export class NaiveSqliteLedger implements BenchSubject {
  readonly implementation = 'naive' as const;
  private readonly db: Database.Database;
  private readonly holdTx: (walletId: string, amount: bigint) => string | null;
  private readonly captureTx: (holdId: string, amount: bigint) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${process.env.TOLLGATE_SQLITE_SYNCHRONOUS ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const selectWallet = this.db.prepare(
      'SELECT balance, pending, overdraft_limit FROM naive_wallets WHERE id = ?',
    );
    const insertHold = this.db.prepare(
      `INSERT INTO naive_holds (id, wallet_id, amount, status, expires_at, created_at) VALUES (?, ?, ?, 'open', ?, ?)`,
    );
    const insertJournal = this.db.prepare(
      'INSERT INTO naive_journal (id, type, wallet_id, hold_id, amount, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const addPending = this.db.prepare(
      'UPDATE naive_wallets SET pending = pending + ?, updated_at = ? WHERE id = ?',
    );
    const selectHold = this.db.prepare('SELECT wallet_id, amount, status FROM naive_holds WHERE id = ?');
    const captureHold = this.db.prepare(
      `UPDATE naive_holds SET status = 'captured', captured_amount = ?, resolved_at = ? WHERE id = ?`,
    );
    const debit = this.db.prepare(
      'UPDATE naive_wallets SET balance = balance - ?, pending = pending - ?, updated_at = ? WHERE id = ?',
    );
    const hold = this.db.transaction((walletId: string, amount: bigint): string | null => {
      const wallet = selectWallet.get(walletId) as
        | { balance: bigint; pending: bigint; overdraft_limit: bigint }
        | undefined;
      if (!wallet || amount > wallet.balance - wallet.pending + wallet.overdraft_limit) return null;
      const now = Date.now();
      const holdId = `hold_${randomUUID()}`;
      insertHold.run(holdId, walletId, amount, now + HOLD_TTL_MS, now);
      insertJournal.run(`txn_${randomUUID()}`, 'hold', walletId, holdId, amount, now);
      addPending.run(amount, now, walletId);
      return holdId;
    });
    const capture = this.db.transaction((holdId: string, amount: bigint): void => {
      const found = selectHold.get(holdId) as
        | { wallet_id: string; amount: bigint; status: string }
        | undefined;
      if (found?.status !== 'open' || amount > found.amount)
        throw new Error(`naive capture of ${holdId} refused`);
      const now = Date.now();
      captureHold.run(amount, now, holdId);
      insertJournal.run(`txn_${randomUUID()}`, 'capture', found.wallet_id, holdId, amount, now);
      debit.run(amount, found.amount, now, found.wallet_id);
    });
    this.holdTx = (walletId, amount) => hold.immediate(walletId, amount);
    this.captureTx = (holdId, amount) => capture.immediate(holdId, amount);
  }

  async createWallets(walletIds: readonly string[], fundingMicros: bigint): Promise<void> {
    const insert = this.db.prepare(
      'INSERT INTO naive_wallets (id, balance, pending, overdraft_limit, funded, updated_at) VALUES (?, ?, 0, 0, ?, ?)',
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const id of walletIds) insert.run(id, fundingMicros, fundingMicros, now);
    })();
  }

  async hold(walletId: string, amountMicros: bigint): Promise<string | null> {
    return this.holdTx(walletId, amountMicros);
  }

  async capture(holdId: string, amountMicros: bigint): Promise<void> {
    this.captureTx(holdId, amountMicros);
  }

  async violations(): Promise<number> {
    return Number((this.db.prepare(VIOLATIONS_SQL).get() as { n: bigint }).n);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
