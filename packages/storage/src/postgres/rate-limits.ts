import type pg from 'pg';
import { RATE_LIMIT_COLUMNS, rateLimitValues, toRateLimit } from '../rate-limit-rows.ts';
import type { RateLimitRow, RateLimitStore } from '../rate-limit-store.ts';
import type { Row } from '../rows.ts';

export class PostgresRateLimitStore implements RateLimitStore {
  constructor(private readonly pool: pg.Pool) {}

  async upsertRateLimit(row: RateLimitRow): Promise<RateLimitRow> {
    const result = await this.pool.query(
      `INSERT INTO rate_limits (${RATE_LIMIT_COLUMNS.join(', ')}) VALUES (${RATE_LIMIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (scope_key) DO UPDATE SET requests_per_minute = EXCLUDED.requests_per_minute,
       tokens_per_minute = EXCLUDED.tokens_per_minute, updated_at = EXCLUDED.updated_at RETURNING *`,
      rateLimitValues(row),
    );
    return toRateLimit(result.rows[0] as Row);
  }

  async listRateLimits(): Promise<RateLimitRow[]> {
    return (await this.pool.query('SELECT * FROM rate_limits ORDER BY id')).rows.map(toRateLimit);
  }

  async deleteRateLimit(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM rate_limits WHERE id = $1', [id])).rowCount ?? 0) === 1;
  }

  async rateLimitsVersion(): Promise<string> {
    const row = (
      await this.pool.query('SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS at FROM rate_limits')
    ).rows[0] as Row;
    return `${row.n}:${row.at}`;
  }
}
