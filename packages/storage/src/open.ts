import { PostgresStore } from './postgres/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./.tollgate/tollgate.db';

/** Opens the store a URL names: `sqlite:PATH` (or `sqlite::memory:`) or `postgres://…`. */
export function openStore(url: string = DEFAULT_DATABASE_URL): Store {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length) || ':memory:');
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return new PostgresStore(url);
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url.split(':')[0]}:…)`);
}
