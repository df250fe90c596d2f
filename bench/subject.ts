/** What a benchmark client drives: the Tollgate ledger or a naive baseline, on one store. */
export interface BenchSubject {
  readonly implementation: 'tollgate' | 'naive';
  /** Creates the wallets (overdraft limit 0) and funds each with `fundingMicros`. */
  createWallets(walletIds: readonly string[], fundingMicros: bigint): Promise<void>;
  /** Reserves `amountMicros`; the hold's id, or null when the wallet cannot cover it (refused). */
  hold(walletId: string, amountMicros: bigint): Promise<string | null>;
  /** Settles an open hold for `amountMicros` (at most the held amount); throws if refused. */
  capture(holdId: string, amountMicros: bigint): Promise<void>;
  /** Invariant violations after the run (0: no wallet below its overdraft limit, sums agree). */
  violations(): Promise<number>;
  close(): Promise<void>;
}

/** Every hold outlives the run: a benchmark pair never races its own hold's expiry. */
export const HOLD_TTL_MS = 10 * 60_000;
