import type { BudgetMode, BudgetPeriodKind, Micros } from '@tollgate/domain';
import { PostgresStore } from './postgres/store.ts';
import { big, num, numOrNull, type Row, strOrNull } from './rows.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** A budget's configuration; its counters live in budget_periods, moved by the ledger. */
export interface BudgetRow {
  id: string;
  customerId: string;
  /** Scope: each non-null field must equal the call's for the budget to apply. */
  teamId: string | null;
  userId: string | null;
  feature: string | null;
  model: string | null;
  keyId: string | null;
  sessionId: string | null;
  period: BudgetPeriodKind;
  amount: Micros;
  mode: BudgetMode;
  /** IANA zone that day, week and month follow. */
  timezone: string;
  createdAt: number;
  archivedAt: number | null;
}

export interface BudgetStore {
  createBudget(budget: BudgetRow): Promise<void>;
  getBudget(id: string): Promise<BudgetRow | undefined>;
  listBudgets(customerId: string | null, afterId: string | null, limit: number): Promise<BudgetRow[]>;
  /** The budgets a call of this customer may count against (not archived). */
  activeBudgets(customerId: string): Promise<BudgetRow[]>;
  /** Stops a budget from applying; its counters stay for reading. */
  archiveBudget(id: string, now: number): Promise<BudgetRow | undefined>;
  /** Spend and open holds of a budget's buckets from `fromKey` to `toKey` (null: every later one). */
  budgetUsage(
    budgetId: string,
    fromKey: string,
    toKey: string | null,
  ): Promise<{ spent: Micros; pending: Micros }>;
}

const COLUMNS = [
  'id',
  'customer_id',
  'team_id',
  'user_id',
  'feature',
  'model',
  'key_id',
  'session_id',
  'period',
  'amount',
  'mode',
  'timezone',
  'created_at',
  'archived_at',
] as const;

const values = (b: BudgetRow): unknown[] => [
  b.id,
  b.customerId,
  b.teamId,
  b.userId,
  b.feature,
  b.model,
  b.keyId,
  b.sessionId,
  b.period,
  b.amount.toString(),
  b.mode,
  b.timezone,
  b.createdAt,
  b.archivedAt,
];

const toBudget = (r: Row): BudgetRow => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  teamId: strOrNull(r.team_id),
  userId: strOrNull(r.user_id),
  feature: strOrNull(r.feature),
  model: strOrNull(r.model),
  keyId: strOrNull(r.key_id),
  sessionId: strOrNull(r.session_id),
  period: r.period as BudgetPeriodKind,
  amount: big(r.amount),
  mode: r.mode as BudgetMode,
  timezone: String(r.timezone),
  createdAt: num(r.created_at),
  archivedAt: numOrNull(r.archived_at),
});

type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

/**
 * Budgets on either store. The SQL is written once with `$n` parameters, each used once and in
 * order, so SQLite runs it with `?`; keys compare bytewise on both (COLLATE "C" on PostgreSQL).
 */
class SqlBudgetStore implements BudgetStore {
  constructor(
    private readonly query: Query,
    private readonly bytewise: string,
  ) {}

  async createBudget(budget: BudgetRow): Promise<void> {
    const params = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    await this.query(`INSERT INTO budgets (${COLUMNS.join(', ')}) VALUES (${params})`, values(budget));
  }

  async getBudget(id: string): Promise<BudgetRow | undefined> {
    const [row] = await this.query('SELECT * FROM budgets WHERE id = $1', [id]);
    return row && toBudget(row);
  }

  async listBudgets(customerId: string | null, afterId: string | null, limit: number): Promise<BudgetRow[]> {
    const rows = await this.query(
      'SELECT * FROM budgets WHERE (CAST($1 AS TEXT) IS NULL OR customer_id = $2) AND id > $3 ORDER BY id LIMIT $4',
      [customerId, customerId, afterId ?? '', limit],
    );
    return rows.map(toBudget);
  }

  async activeBudgets(customerId: string): Promise<BudgetRow[]> {
    const rows = await this.query('SELECT * FROM budgets WHERE customer_id = $1 AND archived_at IS NULL', [
      customerId,
    ]);
    return rows.map(toBudget);
  }

  async archiveBudget(id: string, now: number): Promise<BudgetRow | undefined> {
    await this.query('UPDATE budgets SET archived_at = COALESCE(archived_at, $1) WHERE id = $2', [now, id]);
    return this.getBudget(id);
  }

  async budgetUsage(budgetId: string, fromKey: string, toKey: string | null) {
    const [row] = await this.query(
      `SELECT COALESCE(SUM(spent), 0) AS spent, COALESCE(SUM(pending), 0) AS pending FROM budget_periods
       WHERE budget_id = $1 AND period_key ${this.bytewise} >= $2 AND (CAST($3 AS TEXT) IS NULL OR period_key ${this.bytewise} <= $4)`,
      [budgetId, fromKey, toKey, toKey],
    );
    return { spent: big(row?.spent ?? 0n), pending: big(row?.pending ?? 0n) };
  }
}

/** The budgets of a store. */
export function budgetStore(store: Store): BudgetStore {
  if (store instanceof SqliteStore) {
    const db = store.db;
    return new SqlBudgetStore(async (sql, params) => {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    }, '');
  }
  if (store instanceof PostgresStore) {
    const pool = store.pool;
    return new SqlBudgetStore(async (sql, params) => (await pool.query(sql, params)).rows, 'COLLATE "C"');
  }
  throw new Error(`no budget store for ${store.dialect}`);
}
