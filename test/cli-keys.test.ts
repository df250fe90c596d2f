import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayStore, openStore } from '@tollgate/storage';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'packages', 'server', 'bin', 'tollgate.js');
const CUSTOMER = 'acme';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin, as a user would, against the test's own SQLite file. */
async function tollgate(databaseUrl: string, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Reads the store the commands wrote, closing it before the next command runs. */
async function withData<T>(databaseUrl: string, body: (data: ReturnType<typeof gatewayStore>) => Promise<T>) {
  const store = openStore(databaseUrl);
  try {
    return await body(gatewayStore(store));
  } finally {
    await store.close();
  }
}

describe('tollgate keys create / revoke', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'tollgate-cli-keys-')), 'tollgate.db')}`;
    expect((await tollgate(databaseUrl, 'migrate')).code).toBe(0);
    const store = openStore(databaseUrl);
    await store.createCustomer({ id: CUSTOMER, name: 'Acme', metadata: null, createdAt: Date.now() });
    await store.close();
  });

  it('prints the key alone on stdout, warns to save it, and stores only its digest', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await tollgate(
      databaseUrl,
      'keys',
      'create',
      '--customer',
      CUSTOMER,
      '--team',
      'research',
      '--user',
      'ada',
      '--feature',
      'summaries',
      '--models',
      'gpt-4o-mini, claude-*',
      '--name',
      'ci',
      '--expires-at',
      expiresAt,
    );
    expect(created.stderr).toMatch(/save the key now/i);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tg_[0-9A-Za-z]{40}$/);

    const stored = await withData(databaseUrl, (data) =>
      data.keyByDigest(createHash('sha256').update(key).digest('hex')),
    );
    expect(stored).toMatchObject({
      customerId: CUSTOMER,
      teamId: 'research',
      userId: 'ada',
      feature: 'summaries',
      models: ['gpt-4o-mini', 'claude-*'],
      name: 'ci',
      expiresAt: Date.parse(expiresAt),
      revokedAt: null,
    });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(created.stderr).toContain(stored!.id);
    expect(created.stderr).not.toContain(key);

    const revoked = await tollgate(databaseUrl, 'keys', 'revoke', stored!.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked key ${stored!.id}`);
    const after = await withData(databaseUrl, (data) => data.getKey(stored!.id));
    expect(after?.revokedAt).toEqual(expect.any(Number));

    const again = await tollgate(databaseUrl, 'keys', 'revoke', stored!.id);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
  });

  it.each([
    [['keys', 'create'], /--customer/],
    [['keys', 'create', '--customer', CUSTOMER, '--models', 'gpt*4'], /--models must be/],
    [
      ['keys', 'create', '--customer', CUSTOMER, '--expires-at', '2020-01-01T00:00:00Z'],
      /--expires-at must be in the future/,
    ],
    [['keys', 'create', '--customer', CUSTOMER, '--wallet', 'w'], /Unknown option/],
    [['keys', 'revoke'], /needs a key id/],
  ])('refuses bad usage %j with exit code 2', async (args, message) => {
    const outcome = await tollgate(databaseUrl, ...args);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stdout).toBe('');
  });

  it('fails with exit code 1 for an unknown customer or key, creating nothing', async () => {
    const noCustomer = await tollgate(databaseUrl, 'keys', 'create', '--customer', 'nobody');
    expect(noCustomer.code).toBe(1);
    expect(noCustomer.stderr).toContain('No customer nobody');
    expect(noCustomer.stdout).toBe('');
    expect(await withData(databaseUrl, (data) => data.listKeys('nobody', null, 10))).toEqual([]);

    const noKey = await tollgate(databaseUrl, 'keys', 'revoke', 'key_nope');
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('No key key_nope');
  });
});
