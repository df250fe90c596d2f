import { newId, type UsageEvent } from '@tollgate/domain';
import { describe, expect, inject, it } from 'vitest';
import { seedWallet } from '../../../test/fixtures/wallets.ts';
import { freshDatabase, type StoreKind } from '../../../test/stores.ts';
import { Ledger } from './ledger.ts';
import { ROLLUPS, rollupCheckSql } from './metering/rollups.ts';
import { openStore } from './open.ts';
import type { PostgresStore } from './postgres/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/**
 * The gateway meters through the ledger: usage events written by its batches (captures and
 * deductions) must keep every rollup equal to the raw events' sums, however the batch groups them
 * (SQLite upserts each rollup once per batch since migration 14; PostgreSQL per statement).
 */
const HOUR_MS = 3_600_000;

/** Rows as arrays of text, compared by position (the raw query's columns are unnamed expressions). */
async function rows(store: Store, sql: string): Promise<string[][]> {
  const result =
    store instanceof SqliteStore
      ? store.db.prepare(sql).raw(true).all()
      : (await (store as PostgresStore).pool.query({ text: sql, rowMode: 'array' })).rows;
  return (result as unknown[][]).map((row) => row.map(String));
}

function event(customerId: string, walletId: string, i: number, at: number): UsageEvent {
  return {
    id: newId('evt'),
    requestId: newId('req'),
    customerId,
    teamId: i % 3 === 0 ? 'team-a' : null,
    userId: `user-${i % 4}`,
    feature: i % 2 === 0 ? 'chat' : null,
    sessionId: null,
    traceId: null,
    tags: {},
    keyId: null,
    walletId,
    provider: i % 5 === 0 ? 'anthropic' : 'openai',
    model: i % 5 === 0 ? 'claude-haiku-4-5' : 'gpt-4o-mini',
    api: 'chat',
    valueUnit: null,
    inputTokens: 10 + i,
    outputTokens: 20 + 2 * i,
    cachedInputTokens: i % 7,
    cacheCreationInputTokens: 0,
    reasoningTokens: i % 3,
    estimated: i % 6 === 0,
    cost: BigInt(30 + i),
    price: BigInt(40 + i),
    unit: 'usd',
    cacheStatus: 'miss',
    status: 'ok',
    latencyMs: 5,
    upstreamRequestId: null,
    holdId: null,
    transactionId: null,
    // Three hours, so that batches span buckets.
    createdAt: at + (i % 3) * HOUR_MS,
  };
}

describe('rollups kept by the ledger', () => {
  for (const kind of inject('stores') as StoreKind[]) {
    it(`equal the raw sums after batched captures and deductions [${kind}]`, async () => {
      const store = openStore(await freshDatabase(kind));
      try {
        await store.migrate();
        const ledger = new Ledger(store);
        const at = Date.UTC(2030, 0, 1);
        let n = 0;
        for (let customer = 0; customer < 2; customer++) {
          const { customerId, walletId } = await seedWallet(store, ledger, 1_000_000n);
          const holds = await Promise.all(
            Array.from({ length: 20 }, () =>
              ledger.submit({ command: { kind: 'hold', walletId, amount: 500n, ttlMs: 60_000 } }),
            ),
          );
          // Submitted together: the ledger writes each group in one batch.
          await Promise.all([
            ...holds.map((hold) => {
              if (!hold.ok || hold.value.kind !== 'hold') throw new Error('hold failed');
              const e = event(customerId, walletId, n++, at);
              return ledger.submit({
                command: {
                  kind: 'capture',
                  holdId: hold.value.hold.id,
                  amount: e.price,
                  usageEvent: e,
                  owe: true,
                },
              });
            }),
            ...Array.from({ length: 15 }, () => {
              const e = event(customerId, walletId, n++, at);
              return ledger.submit({
                command: { kind: 'deduct', walletId, amount: e.price, owe: true, usageEvent: e },
              });
            }),
          ]);
        }
        expect(await rows(store, 'SELECT COUNT(*) AS n FROM usage_events')).toEqual([[String(n)]]);
        for (const rollup of ROLLUPS) {
          const sql = rollupCheckSql(rollup);
          const raw = await rows(store, sql.raw);
          expect(raw.length, rollup.table).toBeGreaterThan(1);
          expect(await rows(store, sql.stored), rollup.table).toEqual(raw);
        }
      } finally {
        await store.close();
      }
    });
  }
});
