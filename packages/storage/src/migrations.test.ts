import { describe, expect, it } from 'vitest';
import { migrations } from './migrations.ts';
import { SqliteStore, WALLETS_DUE_SQL } from './sqlite/store.ts';

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

    it('has no two indexes on the same columns of a table (each one costs every write)', async () => {
      const store = await migrated();
      const indexes = store.db
        .prepare("SELECT name, tbl_name AS tableName, sql FROM sqlite_master WHERE type = 'index'")
        .all() as { name: string; tableName: string; sql: string | null }[];
      const seen = new Map<string, string>();
      for (const index of indexes) {
        const columns = (store.db.prepare(`PRAGMA index_info(${index.name})`).all() as { name: string }[])
          .map((c) => c.name)
          .join(',');
        // A partial index differs by its WHERE clause.
        const key = `${index.tableName}(${columns}) ${index.sql?.split(/ WHERE /i)[1] ?? ''}`;
        expect(seen.get(key), `${index.name} duplicates ${seen.get(key)}`).toBeUndefined();
        seen.set(key, index.name);
      }
      await store.close();
    });

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
