import type { LedgerResult } from '@tollgate/domain';
import { Ledger, type Store } from '@tollgate/storage';
import { type BenchSubject, HOLD_TTL_MS } from './subject.ts';

const CUSTOMER_ID = 'bench';

/** Tollgate's ledger, called in-process: the same `Ledger.submit` the gateway and admin API call. */
export class TollgateLedger implements BenchSubject {
  readonly implementation = 'tollgate' as const;
  readonly ledger: Ledger;
  private customerCreated = false;

  constructor(readonly store: Store) {
    this.ledger = new Ledger(store);
  }

  async createWallets(walletIds: readonly string[], fundingMicros: bigint): Promise<void> {
    const now = Date.now();
    if (!this.customerCreated) {
      await this.store.createCustomer({ id: CUSTOMER_ID, name: 'bench', metadata: null, createdAt: now });
      this.customerCreated = true;
    }
    for (const id of walletIds) {
      await this.store.createWallet({
        id,
        customerId: CUSTOMER_ID,
        teamId: null,
        unit: 'usd',
        overdraftLimit: 0n,
        capturePolicy: 'reject',
        createdAt: now,
      });
    }
    const grants = await Promise.all(
      walletIds.map((walletId) =>
        this.ledger.submit({
          command: {
            kind: 'grant',
            walletId,
            amount: fundingMicros,
            source: 'purchase',
            expiresAt: null,
            priority: 50,
          },
        }),
      ),
    );
    for (const result of grants) expectOk(result, 'grant');
  }

  async hold(walletId: string, amountMicros: bigint): Promise<string | null> {
    const result = await this.ledger.submit({
      command: { kind: 'hold', walletId, amount: amountMicros, ttlMs: HOLD_TTL_MS },
    });
    if (!result.ok && result.code === 'insufficient_credits') return null;
    const value = expectOk(result, 'hold');
    if (value.kind !== 'hold') throw new Error(`hold returned ${value.kind}`);
    return value.hold.id;
  }

  async capture(holdId: string, amountMicros: bigint): Promise<void> {
    expectOk(
      await this.ledger.submit({ command: { kind: 'capture', holdId, amount: amountMicros } }),
      'capture',
    );
  }

  async violations(): Promise<number> {
    const violations = await this.ledger.verify();
    for (const v of violations.slice(0, 5)) console.error(`  violation ${v.code} ${v.subject}: ${v.message}`);
    return violations.length;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

function expectOk(result: LedgerResult, what: string) {
  if (!result.ok) throw new Error(`${what} failed: ${result.code} ${result.message}`);
  return result.value;
}
