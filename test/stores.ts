import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@tollgate/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreContext {
  kind: StoreKind;
  /** The URL of this suite's own fresh database (for a second process or connection). */
  url: string;
  store: Store;
}

/**
 * A fresh settlement outbox file for a Tollgate a test starts: the default for PostgreSQL is under
 * ./.tollgate of the working directory, which tests must not fill.
 */
export function tempOutbox(): string {
  return join(mkdtempSync(join(tmpdir(), 'tollgate-outbox-')), 'outbox.db');
}

/** Makes a fresh, migrated database of the given kind; returns its URL. */
export async function freshDatabase(kind: StoreKind): Promise<string> {
  if (kind === 'sqlite')
    return `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-test-')), 'tollgate.db')}`;
  const adminUrl = inject('postgresUrl');
  const name = `tollgate_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs `body` once per store of the run (TOLLGATE_TEST_STORES), each on a fresh migrated database.
 * The context's fields are set in beforeAll: read them inside tests and hooks.
 */
export function describeStores(title: string, body: (ctx: StoreContext) => void): void {
  for (const kind of inject('stores') as StoreKind[]) {
    describe(`${title} [${kind}]`, () => {
      const ctx = { kind } as StoreContext;
      beforeAll(async () => {
        ctx.url = await freshDatabase(kind);
        ctx.store = openStore(ctx.url);
        await ctx.store.migrate();
      });
      afterAll(async () => {
        await ctx.store?.close();
      });
      body(ctx);
    });
  }
}
