import { createHash } from 'node:crypto';
import { DEFAULT_DATABASE_URL } from '@tollgate/storage';

/** The store a process uses: DATABASE_URL, or the embedded SQLite file under ./.tollgate. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL?.trim();
  return url ? url : DEFAULT_DATABASE_URL;
}

/**
 * A store's name fit for logs: `sqlite ./path` or `postgres user@host:port/db`. The password of a
 * PostgreSQL URL (and any query string, which may carry one) never appears.
 */
export function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return `sqlite ${url.slice('sqlite:'.length) || ':memory:'}`;
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `postgres ${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/**
 * Where the gateway's settlement outbox lives (TOLLGATE_OUTBOX, else beside the SQLite file, else
 * one file per PostgreSQL database under ./.tollgate): a local file that must outlive the process.
 */
export function outboxPath(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TOLLGATE_OUTBOX?.trim();
  if (configured) return configured;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return file === '' || file === ':memory:' ? ':memory:' : `${file}-outbox`;
  }
  const database = describeDatabase(databaseUrl).slice('postgres '.length);
  return `./.tollgate/outbox-${createHash('sha256').update(database).digest('hex').slice(0, 12)}.db`;
}
