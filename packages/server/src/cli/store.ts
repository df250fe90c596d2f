import { openStore, type Store } from '@tollgate/storage';
import { describeDatabase, resolveDatabaseUrl } from '../runtime/database-url.ts';
import { CliError, EXIT_USAGE } from './errors.ts';
import type { Io } from './io.ts';

/** DATABASE_URL (or the default); a URL of an unknown kind is a usage error. */
export function configuredDatabaseUrl(io: Io): string {
  const url = resolveDatabaseUrl(io.env);
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(url)) {
    // Only the scheme is echoed: the rest may hold a password.
    throw new CliError(
      `DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:…")`,
      'Examples: sqlite:./.tollgate/tollgate.db, postgres://user:password@localhost:5432/tollgate',
      EXIT_USAGE,
    );
  }
  return url;
}

export function openConfiguredStore(io: Io): { store: Store; url: string } {
  const url = configuredDatabaseUrl(io);
  return { store: openStore(url), url };
}

/**
 * Runs `body` on the configured store after applying pending migrations (named on stderr, so
 * that a command's stdout stays its result), and closes the store whatever happens.
 */
export async function withStore<T>(io: Io, body: (store: Store) => Promise<T>): Promise<T> {
  const { store, url } = openConfiguredStore(io);
  try {
    const applied = await store.migrate();
    if (applied.length > 0)
      io.err(`Applied ${applied.length} migration(s) to ${describeDatabase(url)}: ${applied.join(', ')}`);
    return await body(store);
  } finally {
    await store.close().catch(() => {});
  }
}
