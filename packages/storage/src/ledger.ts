import {
  decideBatch,
  type IdFactory,
  type LedgerOperation,
  type LedgerResult,
  type LedgerValue,
  loadRequest,
  type Micros,
  minMicros,
  newId,
  type Violation,
  verifyJournal,
  viewWallet,
  type Wallet,
} from '@tollgate/domain';
import { RetryableStoreError, type Store } from './store.ts';

/** Operations decided and written in one database transaction, at most. */
export const BATCH_OPERATIONS_MAX = 512;
/** Times a batch that lost a race (deadlock, key claimed meanwhile) is run again before failing. */
export const BATCH_RETRIES_MAX = 8;

interface Pending {
  operation: LedgerOperation;
  resolve: (result: LedgerResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Where an operation queues. Each lane has its own committer, so that one lane's batch never waits
 * behind another's commit:
 * - `default`: everything the admin API and the jobs submit; each batch is durable when it returns;
 * - `hold`: the gateway's holds, which move no money. On PostgreSQL their batches commit without
 *   waiting for the WAL flush (`synchronous_commit = off`): a crash of the database can forget a
 *   hold acknowledged in its last moments, and the call's settlement then charges the wallet
 *   directly (see the gateway's Settler). The next durable commit makes them durable too. And they
 *   are answered as soon as their writes and COMMIT are sent, a round trip before the server
 *   confirms: the batch keeps its wallets locked until that COMMIT, so nothing can be decided
 *   against a state without its holds, and a commit that then fails (the connection or the server
 *   lost) is that same forgotten hold;
 * - `settle`: the gateway's captures, submitted from its settlement outbox. On PostgreSQL they too
 *   commit without waiting for the flush: the outbox keeps each settlement until the WAL is flushed
 *   past its commit (see the gateway's Settler), so a wallet's lock is never held through a flush.
 * On SQLite, where batches commit one at a time and never wait for a flush, all lanes are one.
 */
export type LedgerLane = 'default' | 'hold' | 'settle';

interface Lane {
  readonly durable: boolean;
  /** Its callers are answered once the batch's COMMIT is sent (see LedgerLane). */
  readonly answeredWhenSent: boolean;
  queue: Pending[];
  running: boolean;
}

export interface LedgerOptions {
  clock?: () => number;
  newId?: IdFactory;
  batchOperationsMax?: number;
  /** Told of what no caller can be: a hold batch answered when sent whose commit then failed. */
  log?: (line: string) => void;
}

/**
 * The ledger's write path. Callers submit operations; one committer takes everything queued,
 * decides it against one locked snapshot and writes it in one database transaction, while the
 * next batch gathers. Like TigerBeetle's batching of transfers, this turns N contended row
 * updates on a hot wallet into one, without weakening a single guarantee: every operation is
 * decided in order against the state its predecessors left, under the wallets' row locks.
 */
export class Ledger {
  private readonly lanes: Record<LedgerLane, Lane> = {
    default: { durable: true, answeredWhenSent: false, queue: [], running: false },
    hold: { durable: false, answeredWhenSent: true, queue: [], running: false },
    settle: { durable: false, answeredWhenSent: false, queue: [], running: false },
  };
  private readonly clock: () => number;
  private readonly newId: IdFactory;
  private readonly batchOperationsMax: number;
  private readonly committedListeners = new Set<(walletIds: string[]) => void>();
  private readonly log: ((line: string) => void) | undefined;
  /**
   * Holds answered when sent whose COMMIT the server has not confirmed yet, to that confirmation.
   * Until then their rows are invisible to other connections: a capture or release naming one
   * would lock no wallet and find no hold, so it waits here first.
   */
  private readonly unconfirmed = new Map<string, Promise<void>>();
  private readonly asides = new Set<(walletId: string) => Micros>();

  constructor(
    readonly store: Store,
    options: LedgerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? newId;
    this.batchOperationsMax = options.batchOperationsMax ?? BATCH_OPERATIONS_MAX;
    this.log = options.log;
  }

  submit(operation: LedgerOperation, laneName: LedgerLane = 'default'): Promise<LedgerResult> {
    const command = operation.command;
    const named =
      command.kind === 'capture' || command.kind === 'release'
        ? command.holdId
        : command.kind === 'hold'
          ? command.raises
          : undefined;
    const confirmed =
      this.unconfirmed.size > 0 && named !== undefined ? this.unconfirmed.get(named) : undefined;
    if (confirmed) return confirmed.then(() => this.submit(operation, laneName));
    // SQLite commits one batch at a time whatever the lane, and never waits for a flush: one
    // queue there makes one transaction of everything a turn brought (holds and captures alike).
    const lane = this.store.dialect === 'sqlite' ? this.lanes.default : this.lanes[laneName];
    return new Promise((resolve, reject) => {
      lane.queue.push({ operation, resolve, reject });
      if (!lane.running) {
        lane.running = true;
        // Let other callers queue theirs first, so that a batch is not a batch of one. SQLite
        // commits synchronously, so nothing can join a batch while one commits: waiting for the
        // event loop's I/O callbacks of this turn (setImmediate) gathers every call that arrived.
        if (this.store.dialect === 'sqlite') setImmediate(() => void this.drain(lane));
        else queueMicrotask(() => void this.drain(lane));
      }
    });
  }

  /**
   * Calls `listener` with the wallets each committed batch changed, after the commit, never
   * awaited: work hung on it (alert evaluation) must not slow the batch or its callers.
   * Returns a function that removes the listener.
   */
  onCommitted(listener: (walletIds: string[]) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  private notifyCommitted(results: LedgerResult[]): void {
    if (this.committedListeners.size === 0) return;
    const walletIds = new Set<string>();
    for (const result of results)
      if (result.ok) for (const id of changedWallets(result.value)) walletIds.add(id);
    if (walletIds.size === 0) return;
    for (const listener of this.committedListeners) {
      try {
        listener([...walletIds]);
      } catch {
        // A listener's failure is its own; the batch has committed and its callers are answered.
      }
    }
  }

  private async drain(lane: Lane): Promise<void> {
    try {
      while (lane.queue.length > 0) {
        const batch = lane.queue.splice(0, this.batchOperationsMax);
        await this.commit(batch, lane);
      }
    } finally {
      lane.running = false;
    }
  }

  private async commit(batch: Pending[], lane: Lane): Promise<void> {
    const operations = batch.map((p) => p.operation);
    const request = loadRequest(operations);
    for (let attempt = 0; ; attempt++) {
      let results: LedgerResult[] = [];
      let answered = false;
      let confirm = () => {};
      const answer = () => {
        answered = true;
        for (const [i, pending] of batch.entries()) pending.resolve(results[i]!);
      };
      const answerWhenSent = () => {
        const held = results.flatMap((r) => (r.ok && r.value.kind === 'hold' ? [r.value.hold.id] : []));
        const confirmed = new Promise<void>((resolve) => {
          confirm = () => {
            // A later batch may have raised the same hold (a lease) and be unconfirmed still.
            for (const id of held) if (this.unconfirmed.get(id) === confirmed) this.unconfirmed.delete(id);
            resolve();
          };
        });
        for (const id of held) this.unconfirmed.set(id, confirmed);
        answer();
      };
      const now = this.clock();
      try {
        await this.store.ledgerBatch(
          request,
          now,
          (snapshot) => {
            const decided = decideBatch(snapshot, operations, now, this.newId);
            results = decided.results;
            return decided.writes;
          },
          { durable: lane.durable, ...(lane.answeredWhenSent ? { onSent: answerWhenSent } : {}) },
        );
        if (!answered) answer();
        confirm();
        this.notifyCommitted(results);
        return;
      } catch (error) {
        confirm();
        if (answered) {
          // Answered already: no retry may decide these holds again under other ids. Their calls
          // go on; each settlement finds its hold gone and charges the wallet directly.
          this.log?.(`ledger: a hold batch of ${batch.length} answered when sent failed to commit: ${error}`);
          return;
        }
        if (error instanceof RetryableStoreError && attempt < BATCH_RETRIES_MAX) continue;
        if (batch.length > 1) {
          // One operation broke the batch: run each alone so that only it fails.
          for (const pending of batch) await this.commit([pending], lane);
          return;
        }
        batch[0]!.reject(error);
        return;
      }
    }
  }

  /**
   * Tells wallet reads of credit this process holds for a wallet and has promised to nothing (a
   * gateway lease's unreserved part): `wallet()` shows it as available, not pending. Returns a
   * function that stops it.
   */
  setAside(unreserved: (walletId: string) => Micros): () => void {
    this.asides.add(unreserved);
    return () => this.asides.delete(unreserved);
  }

  /** A wallet as of now, with expiries that fell due settled in memory (nothing written). */
  async wallet(walletId: string): Promise<Wallet | undefined> {
    const now = this.clock();
    const snapshot = await this.store.walletSnapshot(walletId, now);
    const wallet = snapshot && viewWallet(snapshot, walletId, now);
    if (wallet)
      for (const unreserved of this.asides) {
        const aside = unreserved(walletId);
        wallet.pending -= minMicros(aside, wallet.pending);
      }
    return wallet;
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

/** The wallets an operation's result shows changed. */
function changedWallets(value: LedgerValue): string[] {
  switch (value.kind) {
    case 'transfer':
      return [value.from.id, value.to.id];
    case 'reverse':
      return value.wallets.map((w) => w.id);
    default:
      return [value.wallet.id];
  }
}
