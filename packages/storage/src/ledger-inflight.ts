import {
  decideBatch,
  type IdFactory,
  type LedgerOperation,
  type LedgerResult,
  loadRequest,
  newId,
  verifyJournal,
  type Violation,
  viewWallet,
  type Wallet,
} from '@tollgate/domain';
import { RetryableStoreError, type Store } from './store.ts';

/** Operations decided and written in one database transaction, at most. */
const BATCH_OPERATIONS_MAX = 512;
/** Times a batch that lost a race (deadlock, key claimed meanwhile) is run again before failing. */
const BATCH_RETRIES_MAX = 8;
/**
 * Batches in flight at once on a store whose transactions run concurrently (PostgreSQL), each on
 * its own connection; on SQLite, whose batches run synchronously one after another, always 1.
 */
const BATCHES_IN_FLIGHT_MAX = Number(process.env.INFLIGHT ?? 4);
/** A burst is split into at most this many batches (see startBatches). */
const BATCH_SHARES_MAX = Number(process.env.SHARES ?? 2);

interface Pending {
  operation: LedgerOperation;
  resolve: (result: LedgerResult) => void;
  reject: (error: unknown) => void;
}

interface LedgerOptions {
  clock?: () => number;
  newId?: IdFactory;
  batchOperationsMax?: number;
  batchesInFlightMax?: number;
}

/**
 * The ledger's write path. Callers submit operations; a committer takes what is queued, decides it
 * against one locked snapshot and writes it in one database transaction, while the next batch
 * gathers. Like TigerBeetle's batching of transfers, this turns N contended row updates on a hot
 * wallet into one, without weakening a single guarantee: every operation is decided in order
 * against the state its predecessors left, under the wallets' row locks.
 *
 * On PostgreSQL several batches are in flight at once, started in queue order, and a batch starts
 * only once the one before it holds its row locks. A later batch that names a wallet of an earlier
 * one therefore queues behind it on that wallet's lock and reads (after the lock is granted) what
 * the earlier one committed: operations on one wallet are still decided one after another, in
 * submission order. Batches on other wallets proceed side by side. What this buys is overlap: while
 * one batch holds a hot wallet, the next is already waiting on its lock in the database, and the
 * results of the one before are being delivered.
 */
export class LedgerInflight {
  private queue: Pending[] = [];
  private inFlight = 0;
  /** A batch has started and does not hold its locks yet: the next one waits for that. */
  private locking = false;
  private scheduled = false;
  private readonly clock: () => number;
  private readonly newId: IdFactory;
  private readonly batchOperationsMax: number;
  private readonly batchesInFlightMax: number;

  constructor(
    readonly store: Store,
    options: LedgerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? newId;
    this.batchOperationsMax = options.batchOperationsMax ?? BATCH_OPERATIONS_MAX;
    this.batchesInFlightMax = store.dialect === 'postgres' ? (options.batchesInFlightMax ?? BATCHES_IN_FLIGHT_MAX) : 1;
  }

  submit(operation: LedgerOperation): Promise<LedgerResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ operation, resolve, reject });
      this.schedule();
    });
  }

  /** Starts what may start, after the callers of this tick have queued theirs (no batches of one). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.queue.length > 0 && !this.locking && this.inFlight < this.batchesInFlightMax) {
      // A burst is shared among the batches that may still start, so that it is in flight as
      // several batches rather than as one while the other connections idle.
      const share = Math.ceil(this.queue.length / Math.min(BATCH_SHARES_MAX, this.batchesInFlightMax - this.inFlight));
      const batch = this.queue.splice(0, Math.min(this.batchOperationsMax, share));
      this.inFlight++;
      this.locking = true;
      let locked = false;
      const onLocked = () => {
        if (locked) return;
        locked = true;
        this.locking = false;
        this.schedule();
      };
      void this.commit(batch, onLocked).finally(() => {
        this.inFlight--;
        onLocked();
        this.schedule();
      });
    }
  }

  /** Runs one batch to its end; `onLocked` is called once its wallets are locked (at its first decide). */
  private async commit(batch: Pending[], onLocked: () => void): Promise<void> {
    const operations = batch.map((p) => p.operation);
    const request = loadRequest(operations);
    for (let attempt = 0; ; attempt++) {
      let results: LedgerResult[] = [];
      const now = this.clock();
      try {
        await this.store.ledgerBatch(request, now, (snapshot) => {
          onLocked();
          const decided = decideBatch(snapshot, operations, now, this.newId);
          results = decided.results;
          return decided.writes;
        });
        batch.forEach((p, i) => p.resolve(results[i]!));
        return;
      } catch (error) {
        if (error instanceof RetryableStoreError && attempt < BATCH_RETRIES_MAX) continue;
        if (batch.length > 1) {
          // One operation broke the batch: run each alone so that only it fails.
          for (const pending of batch) await this.commit([pending], onLocked);
          return;
        }
        batch[0]!.reject(error);
        return;
      }
    }
  }

  /** A wallet as of now, with expiries that fell due settled in memory (nothing written). */
  async wallet(walletId: string): Promise<Wallet | undefined> {
    const now = this.clock();
    const snapshot = await this.store.walletSnapshot(walletId, now);
    return snapshot && viewWallet(snapshot, walletId, now);
  }

  /** Settles every expiry that is due; returns how many wallets it touched. */
  async expireDue(limit = 1_000): Promise<{ wallets: number; holdsExpired: number; breakage: bigint }> {
    const walletIds = await this.store.walletsDueForExpiry(this.clock(), limit);
    const results = await Promise.all(
      walletIds.map((walletId) => this.submit({ command: { kind: 'expire', walletId } })),
    );
    let holdsExpired = 0;
    let breakage = 0n;
    for (const result of results) {
      if (result.ok && result.value.kind === 'expire') {
        holdsExpired += result.value.holdsExpired;
        breakage += result.value.breakage;
      }
    }
    return { wallets: walletIds.length, holdsExpired, breakage };
  }

  async verify(): Promise<Violation[]> {
    return verifyJournal(await this.store.journalTotals());
  }
}
