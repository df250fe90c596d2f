import type Database from 'better-sqlite3';
import { RATE_LIMIT_COLUMNS, rateLimitValues, toRateLimit } from '../rate-limit-rows.ts';
import type { RateLimitRow, RateLimitStore } from '../rate-limit-store.ts';
import type { Row } from '../rows.ts';

export class SqliteRateLimitStore implements RateLimitStore {
  constructor(private readonly db: Database.Database) {}

  async upsertRateLimit(row: RateLimitRow): Promise<RateLimitRow> {
    const stored = this.db
      .prepare(
        `INSERT INTO rate_limits (${RATE_LIMIT_COLUMNS.join(', ')}) VALUES (${RATE_LIMIT_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (scope_key) DO UPDATE SET requests_per_minute = excluded.requests_per_minute,
         tokens_per_minute = excluded.tokens_per_minute, updated_at = excluded.updated_at RETURNING *`,
      )
      .get(...rateLimitValues(row)) as Row;
    return toRateLimit(stored);
  }

  async listRateLimits(): Promise<RateLimitRow[]> {
    return (this.db.prepare('SELECT * FROM rate_limits ORDER BY id').all() as Row[]).map(toRateLimit);
  }

  async deleteRateLimit(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM rate_limits WHERE id = ?').run(id).changes === 1;
  }

  async rateLimitsVersion(): Promise<string> {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS at FROM rate_limits')
      .get() as Row;
    return `${row.n}:${row.at}`;
  }
}
