import { describe, expect, it } from 'vitest';
import { describeStores } from '../../../test/stores.ts';
import { migrations } from './migrations.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqliteStore, WALLETS_DUE_SQL } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** Every index as table, columns and (for a partial one) its condition, with its name. */
async function indexes(store: Store): Promise<{ name: string; key: string }[]> {
  if (store instanceof PostgresStore) {
    const result = await store.pool.query<{ name: string; key: string }>(
      `SELECT i.indexrelid::regclass::text AS name,
              i.indrelid::regclass::text || '(' || i.indkey::text || ') ' || COALESCE(pg_get_expr(i.indpred, i.indrelid), '') AS key
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = current_schema()`,
    );
    return result.rows;
  }
  const db = (store as SqliteStore).db;
  const rows = db
    .prepare("SELECT name, tbl_name AS tableName, sql FROM sqlite_master WHERE type = 'index'")
    .all() as { name: string; tableName: string; sql: string | null }[];
  return rows.map((index) => {
    const columns = (db.prepare(`PRAGMA index_info(${index.name})`).all() as { name: string }[])
      .map((c) => c.name)
      .join(',');
    // A partial index differs by its WHERE clause.
    return {
      name: index.name,
      key: `${index.tableName}(${columns}) ${index.sql?.split(/ WHERE /i)[1] ?? ''}`,
    };
  });
}

describeStores('schema', (ctx) => {
  it('has no two indexes on the same columns of a table (each one costs every write)', async () => {
    const seen = new Map<string, string>();
    for (const index of await indexes(ctx.store)) {
      expect(seen.get(index.key), `${index.name} duplicates ${seen.get(index.key)}`).toBeUndefined();
      seen.set(index.key, index.name);
    }
  });
});

describe('migrations', () => {
  it.each(['sqlite', 'postgres'] as const)('%s: versions are unique and applied in order', (dialect) => {
    const versions = migrations(dialect).map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  describe('sqlite schema', () => {
    const migrated = async () => {
      const store = new SqliteStore(':memory:');
      await store.migrate();
      return store;
    };

    it('finds wallets due for expiry through the open holds index alone', async () => {
      const store = await migrated();
      const plan = (
        store.db.prepare(`EXPLAIN QUERY PLAN ${WALLETS_DUE_SQL}`).all(0, 0, 10) as { detail: string }[]
      ).map((r) => r.detail);
      expect(plan).toContain('SCAN holds USING COVERING INDEX holds_open_wallet');
      expect(plan.some((d) => d.startsWith('SEARCH lots USING INDEX lots_expiring'))).toBe(true);
      await store.close();
    });
  });
});
