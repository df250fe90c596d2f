import type { UsageEvent } from '@tollgate/domain';
import { toUsageEvent } from './gateway-rows.ts';
import { PostgresStore } from './postgres/store.ts';
import { num, numOrNull, type Row } from './rows.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** A key that signs customer tokens. `privateJwk` is as stored: sealed when the server has a secret. */
export interface CustomerTokenKeyRow {
  kid: string;
  algorithm: string;
  publicJwk: string;
  privateJwk: string;
  createdAt: number;
  /** Set when a newer key took over signing; the key still verifies until its tokens expire. */
  retiredAt: number | null;
}

/** What customer tokens need from the database: their signing keys and the customer's newest events. */
export interface CustomerTokenStore {
  /** Every key, newest first. */
  listKeys(): Promise<CustomerTokenKeyRow[]>;
  /** Inserts `key` and retires every other active key, in one transaction. */
  rotateTo(key: CustomerTokenKeyRow): Promise<void>;
  /** The customer's (or one of its users') newest usage events, newest first. */
  recentUsageEvents(customerId: string, userId: string | null, limit: number): Promise<UsageEvent[]>;
}

const toKeyRow = (r: Row): CustomerTokenKeyRow => ({
  kid: String(r.kid),
  algorithm: String(r.algorithm),
  publicJwk: String(r.public_jwk),
  privateJwk: String(r.private_jwk),
  createdAt: num(r.created_at),
  retiredAt: numOrNull(r.retired_at),
});

const keyValues = (k: CustomerTokenKeyRow): unknown[] => [
  k.kid,
  k.algorithm,
  k.publicJwk,
  k.privateJwk,
  k.createdAt,
  k.retiredAt,
];

const INSERT_KEY =
  'INSERT INTO customer_token_keys (kid, algorithm, public_jwk, private_jwk, created_at, retired_at) VALUES ';

// By seq, not created_at: newest first is the order the events were written, ties included.
const RECENT_EVENTS = (customer: string, user: string, limit: string) =>
  `SELECT * FROM usage_events WHERE customer_id = ${customer} AND (${user} IS NULL OR user_id = ${user})
   ORDER BY seq DESC LIMIT ${limit}`;

class SqliteCustomerTokenStore implements CustomerTokenStore {
  constructor(private readonly store: SqliteStore) {}

  async listKeys(): Promise<CustomerTokenKeyRow[]> {
    const rows = this.store.db
      .prepare('SELECT * FROM customer_token_keys ORDER BY created_at DESC, kid DESC')
      .all() as Row[];
    return rows.map(toKeyRow);
  }

  async rotateTo(key: CustomerTokenKeyRow): Promise<void> {
    const db = this.store.db;
    db.transaction(() => {
      db.prepare('UPDATE customer_token_keys SET retired_at = ? WHERE retired_at IS NULL').run(key.createdAt);
      db.prepare(`${INSERT_KEY} (?, ?, ?, ?, ?, ?)`).run(...keyValues(key));
    })();
  }

  async recentUsageEvents(customerId: string, userId: string | null, limit: number): Promise<UsageEvent[]> {
    const sql = RECENT_EVENTS('@customer', '@user', '@limit');
    const rows = this.store.db.prepare(sql).all({ customer: customerId, user: userId, limit }) as Row[];
    return rows.map(toUsageEvent);
  }
}

class PostgresCustomerTokenStore implements CustomerTokenStore {
  constructor(private readonly store: PostgresStore) {}

  async listKeys(): Promise<CustomerTokenKeyRow[]> {
    const result = await this.store.pool.query(
      'SELECT * FROM customer_token_keys ORDER BY created_at DESC, kid DESC',
    );
    return result.rows.map(toKeyRow);
  }

  async rotateTo(key: CustomerTokenKeyRow): Promise<void> {
    const client = await this.store.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE customer_token_keys SET retired_at = $1 WHERE retired_at IS NULL', [
        key.createdAt,
      ]);
      await client.query(`${INSERT_KEY} ($1, $2, $3, $4, $5, $6)`, keyValues(key));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async recentUsageEvents(customerId: string, userId: string | null, limit: number): Promise<UsageEvent[]> {
    const sql = RECENT_EVENTS('$1', '$2::text', '$3');
    const result = await this.store.pool.query(sql, [customerId, userId, limit]);
    return result.rows.map(toUsageEvent);
  }
}

/**
 * The customer token tables, on the store's own connection.
 *
 * @example
 * const keys = await customerTokenStore(store).listKeys();
 */
export function customerTokenStore(store: Store): CustomerTokenStore {
  if (store instanceof SqliteStore) return new SqliteCustomerTokenStore(store);
  if (store instanceof PostgresStore) return new PostgresCustomerTokenStore(store);
  throw new Error(`no customer token store for ${store.dialect}`);
}
