import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type LedgerOperation, type LedgerResult, newId, parseResult } from '@tollgate/domain';
import type { Store } from '@tollgate/storage';

const run = promisify(execFile);

/** A customer with one wallet per entry of `wallets`; returns the wallet ids in order. */
export async function seedWallets(
  store: Store,
  wallets: { overdraftLimit?: bigint; capturePolicy?: 'reject' | 'cap' | 'overflow'; unit?: string }[],
): Promise<string[]> {
  const customerId = newId('cus');
  await store.createCustomer({ id: customerId, name: null, metadata: null, createdAt: Date.now() });
  const ids: string[] = [];
  for (const w of wallets) {
    const wallet = await store.createWallet({
      id: newId('wal'),
      customerId,
      teamId: null,
      unit: w.unit ?? 'usd',
      overdraftLimit: w.overdraftLimit ?? 0n,
      capturePolicy: w.capturePolicy ?? 'reject',
      createdAt: Date.now(),
    });
    ids.push(wallet.id);
  }
  return ids;
}

/** Runs operations in a child process with its own connection; resolves with their results. */
export async function inWorker(url: string, operations: LedgerOperation[]): Promise<LedgerResult[]> {
  const json = JSON.stringify(operations, (_key, value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'test/workers/ledger-worker.ts', url, json],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return (JSON.parse(stdout) as unknown[]).map((r) => parseResult(JSON.stringify(r)));
}

export function grantOf(walletId: string, amount: bigint): LedgerOperation {
  return { command: { kind: 'grant', walletId, amount, source: 'purchase', expiresAt: null, priority: 50 } };
}
