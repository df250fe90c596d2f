import type { GatewayStore } from './gateway-store.ts';
import { PostgresGatewayStore } from './postgres/gateway.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqliteGatewayStore } from './sqlite/gateway.ts';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';
import type { Store } from './store.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./.tollgate/tollgate.db';

/**
 * Opens the store a URL names: `sqlite:PATH` (or `sqlite::memory:`) or `postgres://…`. Options
 * apply to SQLite (`backgroundCheckpoints`, for a long-running server: see SqliteStoreOptions).
 */
export function openStore(url: string = DEFAULT_DATABASE_URL, options: SqliteStoreOptions = {}): Store {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length) || ':memory:', options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return new PostgresStore(url);
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url.split(':')[0]}:…)`);
}

/** The gateway's tables, on the same connection as the store's ledger. */
export function gatewayStore(store: Store): GatewayStore {
  if (store instanceof SqliteStore) return new SqliteGatewayStore(store.db);
  if (store instanceof PostgresStore) return new PostgresGatewayStore(store.pool);
  throw new Error(`no gateway store for ${store.dialect}`);
}
