import { Ledger, openStore } from '@tollgate/storage';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, tollgate } from './fixtures/cli-process.ts';
import { freshDatabase, type StoreKind } from './stores.ts';

const WALLET_ID = 'wal_cli';
/** A stack trace line: expected errors must never print one. */
const STACK_LINE = /^\s+at /m;

async function createWallet(databaseUrl: string): Promise<void> {
  const store = openStore(databaseUrl);
  await store.migrate();
  await store.createCustomer({ id: 'cli', name: null, metadata: null, createdAt: Date.now() });
  const wallet = { id: WALLET_ID, customerId: 'cli', teamId: null, unit: 'usd', overdraftLimit: 0n } as const;
  await store.createWallet({ ...wallet, capturePolicy: 'reject', createdAt: Date.now() });
  await store.close();
}

/** Changes a balance behind the ledger's back, as a stray UPDATE or a bad restore would. */
async function corruptBalance(kind: StoreKind, databaseUrl: string): Promise<void> {
  const sql = 'UPDATE wallets SET balance = balance + 1 WHERE id = ';
  if (kind === 'sqlite') {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    db.prepare(`${sql}?`).run(WALLET_ID);
    db.close();
    return;
  }
  const client = new pg.Client(databaseUrl);
  await client.connect();
  await client.query(`${sql}$1`, [WALLET_ID]);
  await client.end();
}

describe('tollgate CLI', () => {
  it('lists every command and environment variable', async () => {
    const help = await tollgate(['help'], {});
    expect(help.code).toBe(0);
    for (const word of [
      'start',
      'migrate',
      'wallets grant',
      'ledger verify',
      'ledger expire',
      'DATABASE_URL',
      'PORT',
      'TOLLGATE_ADMIN_KEY',
    ]) {
      expect(help.stdout).toContain(word);
    }
    expect((await tollgate(['--help'], {})).code).toBe(0);
    expect((await tollgate(['ledger', 'verify', '--help'], {})).stdout).toContain(
      'Usage: tollgate ledger verify',
    );
    expect((await tollgate([], {})).code).toBe(2);
  });

  it('refuses an unknown command or store with what to do, and no stack trace', async () => {
    const unknown = await tollgate(['ledger', 'fix'], {});
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('ledger verify') });
    const badUrl = await tollgate(['migrate'], { DATABASE_URL: 'mysql://user:secret@host/db' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('DATABASE_URL must start with sqlite: or postgres://');
    expect(badUrl.stderr).not.toContain('secret');
    const unreachable = await tollgate(['ledger', 'verify'], {
      DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db',
    });
    expect(unreachable).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Cannot connect to PostgreSQL'),
    });
    for (const run of [unknown, badUrl, unreachable]) expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

for (const kind of inject('stores') as StoreKind[]) {
  describe(`tollgate CLI [${kind}]`, () => {
    let env: Record<string, string>;
    beforeAll(async () => {
      env = { DATABASE_URL: await freshDatabase(kind) };
    });

    it('migrates once', async () => {
      const first = await tollgate(['migrate'], env);
      expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('Applied migration 1_ledger') });
      expect((await tollgate(['migrate'], env)).stdout).toContain('Database is up to date.');
    });

    it('grants once per idempotency key and refuses bad amounts', async () => {
      await createWallet(env.DATABASE_URL!);
      const args = [
        'wallets',
        'grant',
        WALLET_ID,
        '5000000',
        '--source',
        'promo',
        '--idempotency-key',
        'cli-k1',
      ];
      const grant = await tollgate(args, env);
      expect(grant).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('Granted 5000000 micros (5 usd) to wallet wal_cli'),
      });
      const replay = await tollgate(args, env);
      expect(replay).toMatchObject({ code: 0, stdout: expect.stringContaining('Already granted') });
      const reused = await tollgate(['wallets', 'grant', WALLET_ID, '7', '--idempotency-key', 'cli-k1'], env);
      expect(reused).toMatchObject({ code: 1, stderr: expect.stringContaining('idempotency_key_reused') });
      const decimal = await tollgate(['wallets', 'grant', WALLET_ID, '2.5'], env);
      expect(decimal).toMatchObject({ code: 2, stderr: expect.stringContaining('2500000') });
      const past = await tollgate(
        ['wallets', 'grant', WALLET_ID, '5', '--expires-at', '2001-01-01T00:00:00Z'],
        env,
      );
      expect(past).toMatchObject({ code: 2, stderr: expect.stringContaining('in the past') });
      const missing = await tollgate(['wallets', 'grant', 'wal_nope', '5'], env);
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('wallet_not_found') });
      for (const run of [reused, decimal, past, missing]) expect(run.stderr).not.toMatch(STACK_LINE);
    });

    it('verifies a sound ledger, then names the wallet whose balance was changed behind its back', async () => {
      const sound = await tollgate(['ledger', 'verify'], env);
      expect(sound).toMatchObject({ code: 0, stdout: expect.stringContaining('Ledger is sound') });
      await corruptBalance(kind, env.DATABASE_URL!);
      const broken = await tollgate(['ledger', 'verify'], env);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/balance_mismatch\s+wal_cli\s+balance 5000001, journal says 5000000/);
      const json = JSON.parse((await tollgate(['ledger', 'verify', '--json'], env)).stdout);
      expect(json.violations).toEqual([
        expect.objectContaining({ code: 'balance_mismatch', subject: WALLET_ID }),
      ]);
    });

    it('settles due expiries on demand', async () => {
      const store = openStore(env.DATABASE_URL!);
      const hold = await new Ledger(store).submit({
        command: { kind: 'hold', walletId: WALLET_ID, amount: 300n, ttlMs: 1 },
      });
      await store.close();
      expect(hold.ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const expire = await tollgate(['ledger', 'expire'], env);
      expect(expire).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('Expired 1 hold and 0 micros'),
      });
      const again = await tollgate(['ledger', 'expire'], env);
      expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('Nothing was due to expire.') });
    });

    it('starts, prints a working admin key once, serves, and stops cleanly on SIGTERM', async () => {
      const server = await startServer({ DATABASE_URL: (await freshDatabase(kind)).toString() });
      const key = /export TOLLGATE_ADMIN_KEY=(tga_[0-9A-Za-z]{32})/.exec(server.output())?.[1];
      expect(key).toBeDefined();
      expect(server.output().split(key!).length - 1).toBe(1);
      expect(server.output().match(/Tollgate ready on/g)).toHaveLength(1);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const authorized = await fetch(`${server.url}/api/v1/customers`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(authorized.status).toBe(200);
      const wrong = await fetch(`${server.url}/api/v1/customers`, {
        headers: { authorization: 'Bearer tga_wrong' },
      });
      expect(wrong.status).toBe(401);
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    });

    it('keeps its admin key across restarts and accepts TOLLGATE_ADMIN_KEY', async () => {
      const databaseUrl = await freshDatabase(kind);
      const given = 'my-own-admin-key-of-enough-length';
      const server = await startServer({ DATABASE_URL: databaseUrl, TOLLGATE_ADMIN_KEY: given });
      expect(server.output()).not.toContain('Generated an admin key');
      expect(server.output()).not.toContain(given);
      const response = await fetch(`${server.url}/api/v1/customers`, {
        headers: { authorization: `Bearer ${given}` },
      });
      expect(response.status).toBe(200);
      server.child.kill('SIGINT');
      expect((await server.exited).code).toBe(0);
      // Restarted without it, the stored key still opens the API and no new one is generated.
      const again = await startServer({ DATABASE_URL: databaseUrl });
      expect(again.output()).not.toContain('Generated an admin key');
      expect(
        (await fetch(`${again.url}/api/v1/customers`, { headers: { authorization: `Bearer ${given}` } }))
          .status,
      ).toBe(200);
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    });
  });
}
