import type { Ledger } from '@tollgate/storage';
import { describe, expect, inject, it } from 'vitest';
import { freshDatabase, type StoreKind, tempOutbox } from '../../../../test/stores.ts';
import { digestAdminKey } from '../admin-key.ts';
import { startExpiryScheduler } from '../scheduler.ts';
import { describeDatabase } from './database-url.ts';
import { startTollgate } from './start.ts';

const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

for (const kind of inject('stores') as StoreKind[]) {
  describe(`startTollgate [${kind}]`, () => {
    it('serves with a generated admin key stored as a digest, expires holds, and closes', async () => {
      const lines: string[] = [];
      const tollgate = await startTollgate({
        databaseUrl: await freshDatabase(kind),
        port: 0,
        log: (l) => lines.push(l),
        expiryIntervalMs: 20,
        env: { ...process.env, TOLLGATE_OUTBOX: tempOutbox() },
      });
      const key = tollgate.generatedAdminKey!;
      expect(key).toMatch(/^tga_[0-9A-Za-z]{32}$/);
      expect(await tollgate.store.hasAdminKey(digestAdminKey(key))).toBe(true);
      expect(lines.filter((l) => l.includes(key))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('Tollgate ready on '))).toEqual([
        expect.stringContaining(tollgate.url),
      ]);
      const customers = await fetch(`${tollgate.url}/api/v1/customers`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(customers.status).toBe(200);

      await tollgate.store.createCustomer({ id: 'rt', name: null, metadata: null, createdAt: Date.now() });
      await tollgate.store.createWallet({
        id: 'wal_rt',
        customerId: 'rt',
        teamId: null,
        unit: 'usd',
        overdraftLimit: 0n,
        capturePolicy: 'reject',
        createdAt: Date.now(),
      });
      await tollgate.ledger.submit({
        command: {
          kind: 'grant',
          walletId: 'wal_rt',
          amount: 100n,
          source: 'promo',
          expiresAt: null,
          priority: 50,
        },
      });
      await tollgate.ledger.submit({ command: { kind: 'hold', walletId: 'wal_rt', amount: 40n, ttlMs: 1 } });
      await until(() => lines.some((l) => l.startsWith('Expired 1 hold')));

      await Promise.all([tollgate.close(), tollgate.close()]);
      await expect(fetch(`${tollgate.url}/healthz`)).rejects.toThrow();
    });
  });
}

describe('expiry scheduler', () => {
  it('never runs two passes at once, and stop waits for the one running', async () => {
    let running = 0;
    let overlapped = false;
    let passes = 0;
    const ledger = {
      async expireDue() {
        running++;
        overlapped ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        passes++;
        return { wallets: 0, holdsExpired: 0, breakage: 0n };
      },
    } as unknown as Ledger;
    const scheduler = startExpiryScheduler({ ledger, intervalMs: 1, log: () => {} });
    await Promise.all([scheduler.runNow(), scheduler.runNow()]);
    await until(() => passes >= 3);
    await scheduler.stop();
    expect(running).toBe(0);
    expect(overlapped).toBe(false);
  });
});

describe('describeDatabase', () => {
  it('names the store without its password', () => {
    expect(describeDatabase('postgres://app:s3cret@db.internal:5432/tollgate?sslmode=require')).toBe(
      'postgres app@db.internal:5432/tollgate',
    );
    expect(describeDatabase('sqlite:./.tollgate/tollgate.db')).toBe('sqlite ./.tollgate/tollgate.db');
  });
});
