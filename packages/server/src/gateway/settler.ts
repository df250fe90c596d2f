import type { LedgerOperation, LedgerResult, Micros, UsageEvent } from '@tollgate/domain';
import type { GatewayStore, Ledger, Outbox } from '@tollgate/storage';

/** What a call is charged once it is over: its hold captured at `amount`, metered by `event`. */
export interface Settlement {
  holdId: string;
  /** The hold's wallet: charged directly if the hold itself was lost (see LedgerLane `hold`). */
  walletId: string;
  amount: Micros;
  event: UsageEvent;
}

/** Settlements gathered this long go to the ledger as one batch (one transaction). */
export const SETTLE_GATHER_MS = 2;
/** Settlements per batch, at most. */
export const SETTLE_BATCH_MAX = 512;
const RETRY_MS_MIN = 50;
const RETRY_MS_MAX = 5_000;
/** How often an instance beats its outbox heartbeat and takes over the entries of gone ones. */
export const OUTBOX_SWEEP_MS = 5_000;
/** How long close() waits for the ledger before leaving what is left to the next instance. */
const CLOSE_WAIT_MS = 5_000;

interface Appending {
  settlement: Settlement;
  onSettled?: (event: UsageEvent) => void;
  resolve: () => void;
}

interface Queued {
  seq: number;
  settlement: Settlement;
  /** Told once the settlement is committed (in this process only: not after a restart). */
  onSettled?: (event: UsageEvent) => void;
  /** Its commit may have happened unanswered (a dropped connection, a crash): check before applying. */
  uncertain: boolean;
}

export interface SettlerOptions {
  ledger: Ledger;
  store: Pick<GatewayStore, 'existingUsageEvents'>;
  outbox: Outbox;
  log?: (line: string) => void;
  gatherMs?: number;
}

/**
 * Settles calls after their answer, never before it (DESIGN.md §5): `settle()` writes the call's
 * settlement to the local outbox (durable when it returns) and the caller answers at once; the
 * settlements gathered over a couple of milliseconds then go to the ledger together, as captures
 * in one transaction, and leave the outbox once committed.
 *
 * Nothing is lost or applied twice:
 * - a settlement is in the outbox before the call is answered, so a crash after the answer finds
 *   it there at the next start (or another instance sharing the file takes it over);
 * - a settlement whose commit went unanswered is applied again only if its usage event (which the
 *   capture writes in the same transaction) is not recorded;
 * - a capture whose hold is gone (a hold forgotten by a database crash, see the ledger's `hold`
 *   lane) charges the wallet directly, as owed where the wallet cannot pay.
 * Until a settlement commits, the call's whole hold stays pending on the wallet: nothing can be
 * spent twice meanwhile.
 */
export class Settler {
  private appending: Appending[] = [];
  private queue: Queued[] = [];
  /** Sequence numbers appended and not yet done. */
  private readonly open = new Set<number>();
  private waiters: { upTo: number; resolve: () => void }[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sweeper: NodeJS.Timeout;
  private retryMs = RETRY_MS_MIN;
  private closing = false;
  private lastFailureLoggedAt = 0;
  private readonly gatherMs: number;

  constructor(private readonly options: SettlerOptions) {
    this.gatherMs = options.gatherMs ?? SETTLE_GATHER_MS;
    this.recover();
    this.sweeper = setInterval(() => {
      try {
        options.outbox.heartbeat();
        this.recover();
      } catch (error) {
        this.options.log?.(`settler: outbox sweep failed: ${(error as Error).message}`);
      }
    }, OUTBOX_SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * Writes the settlement to the outbox and schedules its capture; the call may be answered once
   * this resolves. The settlements of one event-loop turn are written in one transaction. Should
   * the outbox fail (a full disk), the settlement is captured directly instead, before resolving.
   */
  settle(settlement: Settlement, onSettled?: (event: UsageEvent) => void): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The settler is closed.'));
    return new Promise((resolve) => {
      this.appending.push({ settlement, resolve, ...(onSettled ? { onSettled } : {}) });
      if (this.appending.length === 1) setImmediate(() => this.append());
    });
  }

  private append(): void {
    const items = this.appending;
    this.appending = [];
    let seqs: number[];
    try {
      seqs = this.options.outbox.append(items.map((item) => encode(item.settlement)));
    } catch (error) {
      this.options.log?.(
        `settler: the outbox ${this.options.outbox.path} refused a write (${(error as Error).message}); capturing directly`,
      );
      for (const item of items) void this.applyDirectly(item);
      return;
    }
    for (const [i, item] of items.entries()) {
      const seq = seqs[i]!;
      this.open.add(seq);
      this.queue.push({
        seq,
        settlement: item.settlement,
        uncertain: false,
        ...(item.onSettled ? { onSettled: item.onSettled } : {}),
      });
      item.resolve();
    }
    if (this.queue.length >= SETTLE_BATCH_MAX) this.flushSoon(0);
    else this.flushSoon(this.gatherMs);
  }

  /** Without the outbox: the capture itself, awaited by the call (as if there were no outbox). */
  private async applyDirectly(item: Appending): Promise<void> {
    try {
      let result = await this.submit(capture(item.settlement));
      if (isFailure(result, 'hold_not_found')) result = await this.submit(chargeDirectly(item.settlement));
      if (result.ok) item.onSettled?.(item.settlement.event);
      else this.refused(item.settlement, result);
    } catch (error) {
      this.options.log?.(
        `settler: settlement of hold ${item.settlement.holdId} failed: ${(error as Error).message}`,
      );
    } finally {
      item.resolve();
    }
  }

  /** Resolves once every settlement made before this call is committed (read-your-writes). */
  settled(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    let upTo = 0;
    for (const seq of this.open) if (seq > upTo) upTo = seq;
    return new Promise((resolve) => {
      this.waiters.push({ upTo, resolve });
      // Now, unless the ledger is failing (then at the next retry).
      this.flushSoon(this.retryMs > RETRY_MS_MIN ? this.retryMs : 0);
    });
  }

  /** Settlements not yet committed, in this instance. */
  get backlog(): number {
    return this.open.size;
  }

  /** Commits what it can within a few seconds; what is left stays in the outbox for the next start. */
  async close(): Promise<void> {
    if (this.closing) return;
    clearInterval(this.sweeper);
    await Promise.race([
      this.settled(),
      new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref()),
    ]);
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flushing;
    if (this.open.size > 0)
      this.options.log?.(
        `settler: ${this.open.size} settlements left in ${this.options.outbox.path} for the next start`,
      );
    this.options.outbox.close();
  }

  /** Takes over the entries of gone instances (and this one's own from before a restart). */
  private recover(): void {
    const known = new Set(this.queue.map((q) => q.seq));
    for (const entry of this.options.outbox.claimOrphans(known)) {
      if (this.open.has(entry.seq)) continue;
      this.open.add(entry.seq);
      this.queue.push({ seq: entry.seq, settlement: decode(entry.body), uncertain: true });
    }
    if (this.queue.length > 0) this.flushSoon(0);
  }

  private flushSoon(delayMs: number): void {
    if (this.flushing || this.closing) return;
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.flushSoon(this.retryMs > RETRY_MS_MIN ? this.retryMs : 0);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.closing) {
      const batch = this.queue.splice(0, SETTLE_BATCH_MAX);
      try {
        await this.apply(batch);
        this.retryMs = RETRY_MS_MIN;
      } catch (error) {
        // The commit's fate is unknown: applied again only if its usage event is not recorded.
        for (const queued of batch) queued.uncertain = true;
        this.queue.unshift(...batch);
        this.failed(error);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MS_MAX);
        return;
      }
    }
  }

  private async apply(batch: Queued[]): Promise<void> {
    const uncertain = batch.filter((q) => q.uncertain).map((q) => q.settlement.event.id);
    const recorded =
      uncertain.length > 0 ? await this.options.store.existingUsageEvents(uncertain) : new Set();
    const todo = batch.filter((q) => !recorded.has(q.settlement.event.id));
    // Submitted together, so that the ledger's settle lane commits them as one batch.
    const results = await Promise.all(todo.map((q) => this.submit(capture(q.settlement))));
    const lost = todo.filter((_, i) => isFailure(results[i]!, 'hold_not_found'));
    const charged = await Promise.all(lost.map((q) => this.submit(chargeDirectly(q.settlement))));
    const outcome = new Map<Queued, LedgerResult>();
    for (const [i, q] of todo.entries()) outcome.set(q, results[i]!);
    for (const [i, q] of lost.entries()) outcome.set(q, charged[i]!);
    for (const [q, result] of outcome) {
      if (result.ok) {
        q.onSettled?.(q.settlement.event);
        continue;
      }
      // Captured already: this is a settlement applied before a crash whose event was not the
      // capture's (nothing else captures a gateway hold). Any other refusal is a defect to report.
      if (q.uncertain && result.code === 'hold_already_captured') continue;
      this.refused(q.settlement, result);
    }
    this.options.outbox.remove(batch.map((q) => q.seq));
    for (const q of batch) this.open.delete(q.seq);
    this.wake();
  }

  private refused(s: Settlement, result: Extract<LedgerResult, { ok: false }>): void {
    this.options.log?.(
      `settler: settlement of hold ${s.holdId} refused (${result.code}: ${result.message}); ` +
        `usage event ${s.event.id} of ${s.amount} micros on wallet ${s.walletId} not charged`,
    );
  }

  private submit(operation: LedgerOperation): Promise<LedgerResult> {
    return this.options.ledger.submit(operation, 'settle');
  }

  private wake(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const seq of this.open) if (seq < lowest) lowest = seq;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.upTo < lowest) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private failed(error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLoggedAt < 10_000) return;
    this.lastFailureLoggedAt = now;
    this.options.log?.(
      `settler: ${this.queue.length} settlements wait for the ledger (${(error as Error).message}); ` +
        `they are kept in ${this.options.outbox.path} and retried`,
    );
  }
}

function capture(s: Settlement): LedgerOperation {
  return { command: { kind: 'capture', holdId: s.holdId, amount: s.amount, usageEvent: s.event, owe: true } };
}

function chargeDirectly(s: Settlement): LedgerOperation {
  return {
    command: {
      kind: 'deduct',
      walletId: s.walletId,
      amount: s.amount,
      owe: true,
      usageEvent: s.event,
      reason: `gateway call ${s.event.requestId}: its hold ${s.holdId} was lost`,
    },
  };
}

function isFailure(result: LedgerResult, code: string): boolean {
  return !result.ok && result.code === code;
}

/** JSON with the three amounts as decimal strings (a tag's text is never taken for a number). */
export function encode(s: Settlement): string {
  return JSON.stringify({
    ...s,
    amount: String(s.amount),
    event: { ...s.event, cost: String(s.event.cost), price: String(s.event.price) },
  });
}

export function decode(body: string): Settlement {
  const raw = JSON.parse(body);
  return {
    ...raw,
    amount: BigInt(raw.amount),
    event: { ...raw.event, cost: BigInt(raw.event.cost), price: BigInt(raw.event.price) },
  };
}
