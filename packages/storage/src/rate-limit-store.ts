import { PostgresRateLimitStore } from './postgres/rate-limits.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqliteRateLimitStore } from './sqlite/rate-limits.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/**
 * A rate limit on a scope: every field of the scope that is set must match a call for the limit
 * to apply to it (an empty scope applies to every call). One row per scope: setting it again
 * replaces its limits.
 */
export interface RateLimitRow {
  id: string;
  customerId: string | null;
  userId: string | null;
  model: string | null;
  keyId: string | null;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface RateLimitStore {
  /** Inserts, or replaces the limits of the row with the same scope; returns the stored row. */
  upsertRateLimit(row: RateLimitRow): Promise<RateLimitRow>;
  listRateLimits(): Promise<RateLimitRow[]>;
  deleteRateLimit(id: string): Promise<boolean>;
  /** Changes whenever a limit is set or deleted: instances poll it to reload within seconds. */
  rateLimitsVersion(): Promise<string>;
}

/** The rate_limits table, on the same connection as the store. */
export function rateLimitStore(store: Store): RateLimitStore {
  if (store instanceof SqliteStore) return new SqliteRateLimitStore(store.db);
  if (store instanceof PostgresStore) return new PostgresRateLimitStore(store.pool);
  throw new Error(`no rate limit store for ${store.dialect}`);
}
