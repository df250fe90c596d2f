import {
  BUDGET_LOCK_PERIOD_KEY,
  type Hold,
  type JournalTotals,
  type LedgerLoadRequest,
  type LedgerSnapshot,
  type LedgerWrites,
  type LoadedTransaction,
  type Lot,
  type Wallet,
} from '@tollgate/domain';
import pg from 'pg';
import { USAGE_EVENT_COLUMNS, usageEventValues } from '../gateway-store.ts';
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
import { budgetSums, HOLD_RESOLUTION_SQL } from '../sqlite/store.ts';
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

const POOL_SIZE_MAX = 16;
/** A Ledger commits one batch at a time; a few connections serve several Ledgers on one store. */
const LEDGER_CONNECTIONS_MAX = 4;
/** A batch that moves no money (the gateway's holds) does not wait for its WAL flush. */
const NOT_DURABLE_SQL = 'SET LOCAL synchronous_commit = off';
const INT8_OID = 20;
/** Errors after which the same transaction may simply be run again. */
const RETRYABLE_CODES = new Set(['40001', '40P01', '23505']);
const MIGRATION_LOCK = 0x7011_6a7e;

/** int8 as bigint, never a float. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Column types for json_to_recordset, per table, in write order. */
const RECORD_TYPES: Record<string, string> = {
  transactions:
    'id text, type text, wallet_id text, counter_wallet_id text, amount bigint, hold_id text, reverses_id text, idempotency_key text, reason text, metadata text, created_at bigint',
  entries: 'transaction_id text, account text, wallet_id text, lot_id text, amount bigint, created_at bigint',
  lots: 'id text, wallet_id text, transaction_id text, source text, amount bigint, remaining bigint, expires_at bigint, priority integer, created_at bigint',
  holds:
    'id text, wallet_id text, amount bigint, captured_amount bigint, status text, capture_policy text, expires_at bigint, created_at bigint, resolved_at bigint, metadata text, budgets text',
};

/** Column types of usage_events for json_to_recordset, in USAGE_EVENT_COLUMNS order. */
const USAGE_EVENT_TYPES = USAGE_EVENT_COLUMNS.map(
  (c) =>
    `${c} ${/_tokens$|^cost$|^price$|^latency_ms$|^created_at$/.test(c) ? 'bigint' : c === 'estimated' ? 'integer' : 'text'}`,
).join(', ');

/** Each column's `{"name":` / `,"name":`, made once per column list. */
const keyPrefixes = new WeakMap<readonly string[], string[]>();

/**
 * Rows as a JSON array of objects for json_to_recordset (bigints as strings, read back exactly),
 * written as text directly: no object per row, no replacer called per key. It runs while the
 * batch holds its wallets' locks, and is ~3× faster than JSON.stringify of built objects.
 */
function records(columns: readonly string[], rows: unknown[][]): string {
  let prefixes = keyPrefixes.get(columns);
  if (!prefixes) {
    prefixes = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
    keyPrefixes.set(columns, prefixes);
  }
  let json = '[';
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r]!;
    if (r > 0) json += ',';
    for (let i = 0; i < prefixes.length; i++) json += prefixes[i]! + jsonValue(values[i]);
    json += '}';
  }
  return `${json}]`;
}

function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'undefined':
      return 'null';
    default:
      return value === null ? 'null' : JSON.stringify(value);
  }
}

const WALLET_WRITE_COLUMNS = ['id', 'balance', 'pending', 'owed', 'updated_at'] as const;
const IDEMPOTENCY_COLUMNS = ['key', 'request_hash', 'result', 'created_at'] as const;
const BUDGET_DELTA_COLUMNS = ['budget_id', 'period_key', 'spent', 'pending'] as const;

function writeParameters(writes: LedgerWrites): string[] {
  return [
    records(TRANSACTION_COLUMNS, writes.transactions.map(transactionValues)),
    records(ENTRY_COLUMNS, writes.entries.map(entryValues)),
    records(LOT_COLUMNS, [...writes.lots.values()].map(lotValues)),
    records(HOLD_COLUMNS, [...writes.holds.values()].map(holdValues)),
    records(
      WALLET_WRITE_COLUMNS,
      [...writes.wallets.values()].map((w) => [w.id, w.balance, w.pending, w.owed, w.updatedAt]),
    ),
    records(
      IDEMPOTENCY_COLUMNS,
      writes.idempotency.map((r) => [r.key, r.requestHash, r.result, r.createdAt]),
    ),
    records(USAGE_EVENT_COLUMNS, writes.usageEvents.map(usageEventValues)),
    // In key order, so that batches adding to the same buckets take their row locks in one order.
    records(
      BUDGET_DELTA_COLUMNS,
      [...writes.budgetPeriods.values()]
        .sort((a, b) => compare(a.budgetId, b.budgetId) || compare(a.periodKey, b.periodKey))
        .map((d) => [d.budgetId, d.periodKey, d.spent, d.pending]),
    ),
  ];
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * All of a batch's writes in one statement: data-modifying CTEs run together, so a batch costs one
 * round trip to write whatever its size. An idempotency key claimed meanwhile by a concurrent
 * transaction fails the statement with a unique violation (retryable): the retry reads the record.
 * That the statement fails, rather than reporting a count, is what lets COMMIT ride behind it.
 */
const WRITE_SQL = `
WITH
ins_transactions AS (
  INSERT INTO transactions (${TRANSACTION_COLUMNS.join(', ')})
  SELECT ${TRANSACTION_COLUMNS.join(', ')} FROM ROWS FROM (json_to_recordset($1::json) AS (${RECORD_TYPES.transactions})) WITH ORDINALITY AS t ORDER BY t.ordinality
),
ins_entries AS (
  INSERT INTO entries (${ENTRY_COLUMNS.join(', ')})
  SELECT ${ENTRY_COLUMNS.join(', ')} FROM ROWS FROM (json_to_recordset($2::json) AS (${RECORD_TYPES.entries})) WITH ORDINALITY AS t ORDER BY t.ordinality
),
up_lots AS (
  INSERT INTO lots (${LOT_COLUMNS.join(', ')})
  SELECT ${LOT_COLUMNS.join(', ')} FROM json_to_recordset($3::json) AS t(${RECORD_TYPES.lots})
  ON CONFLICT (id) DO UPDATE SET remaining = EXCLUDED.remaining
),
up_holds AS (
  INSERT INTO holds (${HOLD_COLUMNS.join(', ')})
  SELECT ${HOLD_COLUMNS.join(', ')} FROM json_to_recordset($4::json) AS t(${RECORD_TYPES.holds})
  ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount, expires_at = EXCLUDED.expires_at, status = EXCLUDED.status, captured_amount = EXCLUDED.captured_amount, resolved_at = EXCLUDED.resolved_at
),
up_wallets AS (
  UPDATE wallets w SET balance = t.balance, pending = t.pending, owed = t.owed, updated_at = t.updated_at
  FROM json_to_recordset($5::json) AS t(id text, balance bigint, pending bigint, owed bigint, updated_at bigint)
  WHERE w.id = t.id
),
ins_usage_events AS (
  INSERT INTO usage_events (${USAGE_EVENT_COLUMNS.join(', ')})
  SELECT ${USAGE_EVENT_COLUMNS.join(', ')} FROM json_to_recordset($7::json) AS t(${USAGE_EVENT_TYPES})
),
up_budget_periods AS (
  INSERT INTO budget_periods (budget_id, period_key, spent, pending)
  SELECT budget_id, period_key, spent, pending FROM ROWS FROM (json_to_recordset($8::json) AS (budget_id text, period_key text, spent bigint, pending bigint)) WITH ORDINALITY AS t
  WHERE spent >= 0 AND pending >= 0 ORDER BY t.ordinality
  ON CONFLICT (budget_id, period_key) DO UPDATE SET spent = budget_periods.spent + EXCLUDED.spent, pending = budget_periods.pending + EXCLUDED.pending
),
dec_budget_periods AS (
  UPDATE budget_periods p SET spent = p.spent + t.spent, pending = p.pending + t.pending
  FROM json_to_recordset($8::json) AS t(budget_id text, period_key text, spent bigint, pending bigint)
  WHERE p.budget_id = t.budget_id AND p.period_key = t.period_key AND (t.spent < 0 OR t.pending < 0)
),
ins_idempotency AS (
  INSERT INTO idempotency_keys (key, request_hash, result, created_at)
  SELECT key, request_hash, result, created_at FROM json_to_recordset($6::json) AS t(key text, request_hash text, result text, created_at bigint)
)
SELECT 1`;

/**
 * The wallets a batch names, plus those of the holds it names (a hold's wallet never changes, so
 * it can be looked up in the same statement that locks), locked in id order so that batches on
 * several connections cannot deadlock on each other's wallets.
 */
const BATCH_WALLET_IDS =
  'ARRAY(SELECT unnest($1::text[]) UNION SELECT wallet_id FROM holds WHERE id = ANY($2::text[]))';
const LOCK_SQL = `SELECT * FROM wallets WHERE id = ANY(${BATCH_WALLET_IDS}) ORDER BY id FOR UPDATE`;

/**
 * The lock row (period_key '') of every budget the batch's holds are checked against: created on
 * first use, then locked in budget id order, after the wallets. A hold checks and reserves under
 * it, so two holds on one budget never both read it without the other's reservation, whichever
 * buckets of a rolling window they land in. (Locking the buckets themselves would not do: a
 * bucket that another transaction is inserting is invisible to FOR UPDATE.) Captures, releases
 * and expiries need no budget lock: they add deltas, which commute, and can only lower what a
 * hold sees, except by what a capture above its hold adds, the documented margin.
 * The INSERT is a statement of its own, before the lock: a row it inserts is seen by the next
 * statement's snapshot, and one a concurrent transaction inserts makes it wait for that one.
 */
const BUDGET_LOCK_INSERT_SQL = `INSERT INTO budget_periods (budget_id, period_key, spent, pending)
SELECT id, $2::text, 0, 0 FROM unnest($1::text[]) AS id ORDER BY id ON CONFLICT (budget_id, period_key) DO NOTHING`;
const BUDGET_LOCK_SQL = `SELECT budget_id FROM budget_periods
WHERE budget_id = ANY($1::text[]) AND period_key = $2::text ORDER BY budget_id FOR UPDATE`;

/**
 * Everything else a batch reads (budget period keys compare bytewise, as the domain compares
 * them). A statement of its own, sent after LOCK_SQL: in READ COMMITTED
 * each statement reads a snapshot taken when it starts, which is after the locks were granted, so
 * it sees every transaction that held them before. (Reading in the locking statement would not.)
 */
const LOAD_SQL = `
SELECT
  (SELECT COALESCE(json_agg(l), '[]') FROM lots l
     WHERE (l.wallet_id = ANY(${BATCH_WALLET_IDS}) AND l.remaining > 0) OR l.id = ANY($3)) AS lots,
  (SELECT COALESCE(json_agg(h), '[]') FROM holds h
     WHERE h.id = ANY($2) OR (h.wallet_id = ANY(${BATCH_WALLET_IDS}) AND h.status = 'open' AND h.expires_at <= $4)) AS holds,
  (SELECT COALESCE(json_agg(i), '[]') FROM idempotency_keys i WHERE i.key = ANY($5)) AS idempotency,
  (SELECT COALESCE(json_agg(t.reverses_id), '[]') FROM transactions t WHERE t.reverses_id = ANY($6)) AS reversed,
  (SELECT COALESCE(json_agg(p), '[]') FROM budget_periods p
     JOIN json_to_recordset($7::json) AS w(budget_id text, from_key text, to_key text)
       ON p.budget_id = w.budget_id AND p.period_key COLLATE "C" >= w.from_key
         AND (w.to_key IS NULL OR p.period_key COLLATE "C" <= w.to_key)) AS budget_periods`;

/**
 * The ledger connections run only key lookups and keyed writes, each a prepared statement planned
 * once per connection. A generic plan made while a table is small (a fresh database) would scan it
 * whole, and keep scanning it as it grows to millions of rows; with sequential scans off, every
 * plan is an index scan whatever the table's size when it was made.
 */
const LEDGER_SESSION_SQL = 'SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan';

/** A PostgreSQL LSN (`16/B374D848`) as a byte position. */
function lsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** Settles every promise (so none is left rejected and unhandled), then returns or throws the first error. */
/**
 * Sends the queries `issue` makes in one write to the socket instead of one each. In pipeline mode
 * pg writes each query as it is made (corked, so one write per query); on loopback each write costs
 * tens of microseconds of CPU (it runs the receiver's side of TCP and wakes the server), as much as
 * the rest of a small batch. Corking the socket around all of them makes a phase one write.
 */
function oneWrite<T>(client: pg.PoolClient, issue: () => T): T {
  const socket = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } })
    .connection?.stream;
  socket?.cork?.();
  try {
    return issue();
  } finally {
    socket?.uncork?.();
  }
}

async function inOrder<T extends unknown[]>(...queries: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(queries);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
}

/** The shared store: a pg pool; ledger batches lock their wallets with SELECT … FOR UPDATE in id order. */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  /**
   * Connections for ledger batches, in pipeline mode: a batch sends BEGIN, its lock and its load
   * without waiting between them, then its write and COMMIT, so it costs two round trips.
   */
  private readonly ledgerPool: pg.Pool;

  constructor(connectionString: string, poolSizeMax = POOL_SIZE_MAX) {
    this.pool = new pg.Pool({ connectionString, max: poolSizeMax, types });
    this.ledgerPool = new pg.Pool({
      connectionString,
      max: LEDGER_CONNECTIONS_MAX,
      types,
      pipeline: true,
    } as pg.PoolConfig);
    // An idle connection the server ended (restart, failover, DROP DATABASE … FORCE) is removed by
    // the pool and replaced on the next query; without a listener its error would crash the process.
    this.pool.on('error', () => {});
    this.ledgerPool.on('error', () => {});
    // Queued before anything the batch sends, so it applies to every statement of the connection.
    this.ledgerPool.on('connect', (client) => void client.query(LEDGER_SESSION_SQL).catch(() => {}));
  }

  private async all(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(text, params)).rows;
  }

  private async one(text: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.pool.query(text, params)).rows[0];
  }

  async migrate(): Promise<string[]> {
    const client = await this.pool.connect();
    const applied: string[] = [];
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS tollgate_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const done = new Set(
        (await client.query('SELECT version FROM tollgate_migrations')).rows.map((r) => Number(r.version)),
      );
      for (const migration of migrations('postgres')) {
        if (done.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO tollgate_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.name, Date.now()],
        );
        applied.push(`${migration.version}_${migration.name}`);
      }
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.ledgerPool.end()]);
  }

  /**
   * Two round trips whatever the batch's size: [BEGIN, lock (wallets, then budgets), load] then
   * [write, COMMIT], each sent
   * as one pipeline. A reverse costs one more, before them, to find the wallets its entries name.
   * The three statements are prepared and planned once per connection (LEDGER_SESSION_SQL):
   * planning the load for each batch cost more than running it (1–6 ms against 0.3 ms).
   */
  async ledgerBatch(
    request: LedgerLoadRequest,
    now: number,
    decide: (snapshot: LedgerSnapshot) => LedgerWrites,
    options: { durable?: boolean; onSent?: () => void } = {},
  ): Promise<void> {
    const client = await this.ledgerPool.connect();
    let broken: unknown;
    try {
      const { transactions, walletIds, lotIds } = await this.loadTransactions(client, request);
      const budgetIds = [...new Set(request.budgets.map((w) => w.budgetId))].sort();
      // Queries go out in the order they are made: every one of them after BEGIN and the wallet lock.
      const budgetLocks = () =>
        budgetIds.length === 0
          ? []
          : [
              client.query({
                name: 'tollgate_ledger_budget_insert',
                text: BUDGET_LOCK_INSERT_SQL,
                values: [budgetIds, BUDGET_LOCK_PERIOD_KEY],
              }),
              client.query({
                name: 'tollgate_ledger_budget_lock',
                text: BUDGET_LOCK_SQL,
                values: [budgetIds, BUDGET_LOCK_PERIOD_KEY],
              }),
            ];
      const windows = JSON.stringify(
        request.budgets.map((w) => ({ budget_id: w.budgetId, from_key: w.fromKey, to_key: w.toKey })),
      );
      const [, locked, ...rest] = await oneWrite(client, () =>
        inOrder(
          client.query('BEGIN'),
          client.query({
            name: 'tollgate_ledger_lock',
            text: LOCK_SQL,
            values: [walletIds, request.holdIds],
          }),
          ...budgetLocks(),
          client.query({
            name: 'tollgate_ledger_load',
            text: LOAD_SQL,
            values: [
              walletIds,
              request.holdIds,
              lotIds,
              now,
              request.idempotencyKeys,
              request.transactionIds,
              windows,
            ],
          }),
        ),
      );
      const loaded = rest.at(-1)!;
      const row = loaded.rows[0];
      const reversed = new Set<string>(row.reversed);
      for (const t of transactions) t.reversed = reversed.has(t.transaction.id);
      const writes = decide({
        wallets: locked.rows.map(toWallet),
        lots: (row.lots as Row[]).map(toLot),
        holds: (row.holds as Row[]).map(toHold),
        transactions,
        idempotency: (row.idempotency as Row[]).map(toIdempotency),
        budgetPeriods: (row.budget_periods as Row[]).map(toBudgetPeriod),
      });
      // A failed write aborts the transaction, and PostgreSQL answers the COMMIT behind it with a
      // rollback: nothing of the batch is kept. The write's error is the one thrown.
      const values = writeParameters(writes);
      const committed = oneWrite(client, () =>
        inOrder(
          client.query({ name: 'tollgate_ledger_write', text: WRITE_SQL, values }),
          ...(options.durable === false ? [client.query(NOT_DURABLE_SQL)] : []),
          client.query('COMMIT'),
        ),
      );
      options.onSent?.();
      await committed;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      if (RETRYABLE_CODES.has((error as { code?: string }).code ?? ''))
        throw new RetryableStoreError(String(error));
      throw error;
    } finally {
      // A connection that cannot even roll back is discarded rather than handed to the next batch.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** The transactions a batch reverses, with their entries: they never change, so no lock is needed. */
  private async loadTransactions(
    client: pg.PoolClient,
    request: LedgerLoadRequest,
  ): Promise<{ transactions: LoadedTransaction[]; walletIds: string[]; lotIds: string[] }> {
    const walletIds = new Set(request.walletIds);
    const lotIds = new Set<string>();
    const transactions: LoadedTransaction[] = [];
    if (request.transactionIds.length > 0) {
      const [rows, entryRows] = await inOrder(
        client.query('SELECT * FROM transactions WHERE id = ANY($1)', [request.transactionIds]),
        client.query('SELECT * FROM entries WHERE transaction_id = ANY($1) ORDER BY seq', [
          request.transactionIds,
        ]),
      );
      const entries = entryRows.rows.map(toEntry);
      for (const row of rows.rows) {
        const transaction = toTransaction(row);
        const own = entries.filter((e) => e.transactionId === transaction.id);
        transactions.push({ transaction, entries: own, reversed: false });
        for (const entry of own) {
          if (entry.walletId) walletIds.add(entry.walletId);
          if (entry.lotId) lotIds.add(entry.lotId);
        }
      }
    }
    return { transactions, walletIds: [...walletIds], lotIds: [...lotIds] };
  }

  async walletSnapshot(walletId: string, now: number): Promise<LedgerSnapshot | undefined> {
    const row = (
      await this.all(
        `SELECT row_to_json(w) AS wallet,
          (SELECT COALESCE(json_agg(l), '[]') FROM lots l WHERE l.wallet_id = w.id AND l.remaining > 0) AS lots,
          (SELECT COALESCE(json_agg(h), '[]') FROM holds h WHERE h.wallet_id = w.id AND h.status = 'open' AND h.expires_at <= $2) AS holds
         FROM wallets w WHERE w.id = $1`,
        [walletId, now],
      )
    )[0];
    if (!row) return undefined;
    return {
      wallets: [toWallet(row.wallet as Row)],
      lots: (row.lots as Row[]).map(toLot),
      holds: (row.holds as Row[]).map(toHold),
      transactions: [],
      idempotency: [],
    };
  }

  /**
   * The write-ahead log's insert and flush positions (bytes): a transaction that committed before
   * `inserted` was read is durable once `flushed` reaches it, even one that committed with
   * `synchronous_commit = off`.
   */
  async walPosition(): Promise<{ inserted: bigint; flushed: bigint }> {
    const row = (
      await this.all('SELECT pg_current_wal_insert_lsn()::text AS i, pg_current_wal_flush_lsn()::text AS f')
    )[0]!;
    return { inserted: lsn(String(row.i)), flushed: lsn(String(row.f)) };
  }

  async walletsDueForExpiry(now: number, limit: number): Promise<string[]> {
    const rows = await this.all(
      `SELECT wallet_id FROM holds WHERE status = 'open' AND expires_at <= $1
       UNION SELECT wallet_id FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= $1
       LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => String(r.wallet_id));
  }

  async journalTotals(): Promise<JournalTotals> {
    const client = await this.pool.connect();
    try {
      // One snapshot for every sum, so that a busy ledger verifies against a consistent picture.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const all = async (sql: string) => (await client.query(sql)).rows as Row[];
      const sums = async (sql: string) => new Map((await all(sql)).map((r) => [String(r.id), big(r.total)]));
      const totals: JournalTotals = {
        wallets: (await all('SELECT * FROM wallets')).map(toWallet),
        lots: (await all('SELECT * FROM lots')).map(toLot),
        journalTotal: big(
          (await all('SELECT COALESCE(SUM(amount), 0)::bigint AS total FROM entries'))[0]!.total,
        ),
        unbalancedTransactionIds: (
          await all(
            'SELECT transaction_id AS id FROM entries GROUP BY transaction_id HAVING SUM(amount) <> 0',
          )
        ).map((r) => String(r.id)),
        walletEntrySums: await sums(
          'SELECT wallet_id AS id, SUM(amount)::bigint AS total FROM entries WHERE wallet_id IS NOT NULL GROUP BY wallet_id',
        ),
        overdraftEntrySums: await sums(
          'SELECT wallet_id AS id, SUM(amount)::bigint AS total FROM entries WHERE wallet_id IS NOT NULL AND lot_id IS NULL GROUP BY wallet_id',
        ),
        lotEntrySums: await sums(
          'SELECT lot_id AS id, SUM(amount)::bigint AS total FROM entries WHERE lot_id IS NOT NULL GROUP BY lot_id',
        ),
        openHoldSums: await sums(
          "SELECT wallet_id AS id, SUM(amount)::bigint AS total FROM holds WHERE status = 'open' GROUP BY wallet_id",
        ),
        receivableSums: await sums(
          "SELECT substr(account, 12) AS id, SUM(amount)::bigint AS total FROM entries WHERE account LIKE 'receivable:%' GROUP BY account",
        ),
        holdResolutionMismatches: new Map(
          (await all(HOLD_RESOLUTION_SQL)).map((r) => [String(r.id), Number(r.resolutions)]),
        ),
        budgetPeriods: (await all('SELECT * FROM budget_periods')).map(toBudgetPeriod),
        budgetOpenHoldSums: budgetSums(await all(BUDGET_OPEN_HOLDS_SQL)),
        budgetChargedSums: budgetSums(await all(BUDGET_CHARGED_SQL)),
      };
      await client.query('COMMIT');
      return totals;
    } finally {
      client.release();
    }
  }

  async createCustomer(customer: Customer): Promise<Customer | 'exists'> {
    const result = await this.pool.query(
      'INSERT INTO customers (id, name, metadata, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
      [customer.id, customer.name, jsonText(customer.metadata), customer.createdAt],
    );
    return result.rowCount === 1 ? customer : 'exists';
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const row = await this.one('SELECT * FROM customers WHERE id = $1', [id]);
    return row && toCustomer(row);
  }

  async listCustomers(afterId: string | null, limit: number): Promise<Customer[]> {
    return (
      await this.all('SELECT * FROM customers WHERE id > $1 ORDER BY id LIMIT $2', [afterId ?? '', limit])
    ).map(toCustomer);
  }

  async createWallet(w: NewWallet): Promise<Wallet> {
    const row = await this.one(
      `INSERT INTO wallets (id, customer_id, team_id, unit, overdraft_limit, capture_policy, status, balance, pending, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', 0, 0, $7, $7) RETURNING *`,
      [w.id, w.customerId, w.teamId, w.unit, w.overdraftLimit.toString(), w.capturePolicy, w.createdAt],
    );
    return toWallet(row!);
  }

  async getWallet(id: string): Promise<Wallet | undefined> {
    const row = await this.one('SELECT * FROM wallets WHERE id = $1', [id]);
    return row && toWallet(row);
  }

  async listWallets(customerId: string | null, afterId: string | null, limit: number): Promise<Wallet[]> {
    return (
      await this.all(
        'SELECT * FROM wallets WHERE ($1::text IS NULL OR customer_id = $1) AND id > $2 ORDER BY id LIMIT $3',
        [customerId, afterId ?? '', limit],
      )
    ).map(toWallet);
  }

  async updateWallet(id: string, patch: WalletPatch, now: number): Promise<Wallet | undefined> {
    const row = await this.one(
      `UPDATE wallets SET status = COALESCE($1, status), overdraft_limit = COALESCE($2::bigint, overdraft_limit),
       capture_policy = COALESCE($3, capture_policy), updated_at = $4 WHERE id = $5 RETURNING *`,
      [patch.status ?? null, patch.overdraftLimit?.toString() ?? null, patch.capturePolicy ?? null, now, id],
    );
    return row && toWallet(row);
  }

  async listLots(walletId: string): Promise<Lot[]> {
    return (
      await this.all('SELECT * FROM lots WHERE wallet_id = $1 ORDER BY created_at, id', [walletId])
    ).map(toLot);
  }

  async getHold(id: string): Promise<Hold | undefined> {
    const row = await this.one('SELECT * FROM holds WHERE id = $1', [id]);
    return row && toHold(row);
  }

  async getTransaction(id: string): Promise<TransactionWithEntries | undefined> {
    const row = await this.one('SELECT * FROM transactions WHERE id = $1', [id]);
    if (!row) return undefined;
    const entries = (
      await this.all('SELECT * FROM entries WHERE transaction_id = $1 ORDER BY seq', [id])
    ).map(toEntry);
    return { transaction: toTransaction(row), entries, seq: big(row.seq) };
  }

  async listTransactions(filter: TransactionFilter): Promise<Page<ReturnType<typeof toTransaction>>> {
    const rows = await this.all(
      `SELECT * FROM transactions
       WHERE ($1::text IS NULL OR wallet_id = $1 OR counter_wallet_id = $1)
         AND ($2::text[] IS NULL OR type = ANY($2))
         AND ($3::bigint IS NULL OR created_at >= $3) AND ($4::bigint IS NULL OR created_at < $4)
         AND seq > $5
       ORDER BY seq LIMIT $6`,
      [
        filter.walletId ?? null,
        filter.types ?? null,
        filter.from ?? null,
        filter.to ?? null,
        (filter.afterSeq ?? 0n).toString(),
        filter.limit + 1,
      ],
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    return { data: page.map(toTransaction), nextSeq: more ? big(page.at(-1)!.seq) : null };
  }

  async countAdminKeys(): Promise<number> {
    return Number((await this.one('SELECT COUNT(*) AS n FROM admin_keys'))!.n);
  }

  async addAdminKey(id: string, digest: string, now: number): Promise<void> {
    await this.pool.query('INSERT INTO admin_keys (id, digest, created_at) VALUES ($1, $2, $3)', [
      id,
      digest,
      now,
    ]);
  }

  async hasAdminKey(digest: string): Promise<boolean> {
    return (await this.one('SELECT 1 AS x FROM admin_keys WHERE digest = $1', [digest])) !== undefined;
  }
}

const BUDGET_OPEN_HOLDS_SQL = `
SELECT b->>'budgetId' AS budget_id, b->>'periodKey' AS period_key, SUM(h.amount)::bigint AS total
FROM holds h CROSS JOIN LATERAL json_array_elements(h.budgets::json) b
WHERE h.budgets IS NOT NULL AND h.status = 'open' GROUP BY 1, 2`;

const BUDGET_CHARGED_SQL = `
SELECT b->>'budgetId' AS budget_id, b->>'periodKey' AS period_key, SUM(t.amount)::bigint AS total
FROM holds h CROSS JOIN LATERAL json_array_elements(h.budgets::json) b
JOIN transactions t ON t.hold_id = h.id AND t.type IN ('capture', 'partial_capture', 'overflow', 'owed')
WHERE h.budgets IS NOT NULL GROUP BY 1, 2`;
