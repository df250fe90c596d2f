import { PostgresStore } from './postgres/store.ts';
import { num, type Row } from './rows.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** Calls of one customer refused with one code in one UTC minute. */
export interface RefusalCountRow {
  customerId: string;
  /** The minute's start, ms since the epoch. */
  minute: number;
  code: string;
  count: number;
}

export interface RefusalStore {
  /** Adds the counts to what is stored (one upsert per chunk); keys must be distinct. */
  addRefusals(rows: readonly RefusalCountRow[]): Promise<void>;
  /** Refusals in minutes from `from` (inclusive) to `to` (exclusive), per customer (or of one). */
  countRefusals(
    from: number,
    to: number,
    customerId: string | null,
  ): Promise<{ customerId: string; count: number }[]>;
}

/** Rows per INSERT: 4 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535. */
export const REFUSAL_ROWS_PER_STATEMENT_MAX = 1_000;

type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

/** The SQL is written once with `$n` parameters, each used once and in order (SQLite runs `?`). */
class SqlRefusalStore implements RefusalStore {
  constructor(private readonly query: Query) {}

  async addRefusals(rows: readonly RefusalCountRow[]): Promise<void> {
    for (let at = 0; at < rows.length; at += REFUSAL_ROWS_PER_STATEMENT_MAX) {
      const chunk = rows.slice(at, at + REFUSAL_ROWS_PER_STATEMENT_MAX);
      const tuples = chunk.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4})`);
      await this.query(
        `INSERT INTO gateway_refusals (customer_id, minute, code, count) VALUES ${tuples.join(', ')}
         ON CONFLICT (customer_id, minute, code) DO UPDATE SET count = gateway_refusals.count + excluded.count`,
        chunk.flatMap((r) => [r.customerId, r.minute, r.code, r.count]),
      );
    }
  }

  async countRefusals(from: number, to: number, customerId: string | null) {
    const rows = await this.query(
      `SELECT customer_id, SUM(count) AS n FROM gateway_refusals
       WHERE minute >= $1 AND minute < $2 AND (CAST($3 AS TEXT) IS NULL OR customer_id = $4)
       GROUP BY customer_id ORDER BY customer_id`,
      [from, to, customerId, customerId],
    );
    return rows.map((r) => ({ customerId: String(r.customer_id), count: num(r.n) }));
  }
}

/**
 * The gateway_refusals table, on the same connection as the store.
 *
 * @example
 * await refusalStore(store).countRefusals(hourStart, hourStart + 3_600_000, 'acme');
 */
export function refusalStore(store: Store): RefusalStore {
  if (store instanceof SqliteStore) {
    const db = store.db;
    return new SqlRefusalStore(async (sql, params) => {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    });
  }
  if (store instanceof PostgresStore) {
    const pool = store.pool;
    return new SqlRefusalStore(async (sql, params) => (await pool.query(sql, params)).rows);
  }
  throw new Error(`no refusal store for ${store.dialect}`);
}
