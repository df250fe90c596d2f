import type { LedgerOperation, LedgerResult, Micros, UsageEvent } from '@tollgate/domain';
import type { GatewayStore, Ledger, Outbox } from '@tollgate/storage';

/** What a call is charged once it is over: its hold captured at `amount`, metered by `event`. */
export interface Settlement {
  holdId: string;
  /** The hold's wallet: charged directly if the hold itself was lost (see LedgerLane `hold`). */
  walletId: string;
  amount: Micros;
  event: UsageEvent;
  /** The call's part of a lease (a hold shared by calls): captured partially, the rest left open. */
  share?: Micros;
}

/** Settlements gathered this long go to the ledger as one batch (one transaction). */
export const SETTLE_GATHER_MS = 10;
/** Settlements per batch, at most. */
export const SETTLE_BATCH_MAX = 512;
const RETRY_MS_MIN = 50;
const RETRY_MS_MAX = 5_000;
/** How often an instance beats its outbox heartbeat and takes over the entries of gone ones. */
export const OUTBOX_SWEEP_MS = 5_000;
/** How long close() waits for the ledger before leaving what is left to the next instance. */
const CLOSE_WAIT_MS = 5_000;
/**
 * Failed attempts (the ledger threw while the store answered reads) after which a settlement is
 * buried in the outbox's dead letters rather than retried forever ahead of the others.
 */
export const SETTLE_ATTEMPTS_MAX = 20;

interface Appending {
  settlement: Settlement;
  onSettled?: (event: UsageEvent) => void;
  onDone?: () => void;
  resolve: () => void;
}

interface Queued {
  seq: number;
  settlement: Settlement;
  /** Told once the settlement is committed (in this process only: not after a restart). */
  onSettled?: (event: UsageEvent) => void;
  /** Told once it is done with in this process, whatever the outcome (committed, found recorded, buried). */
  onDone?: () => void;
  /** Its commit may have happened unanswered (a dropped connection, a crash): check before applying. */
  uncertain: boolean;
  attempts: number;
}

export interface SettlerOptions {
  ledger: Ledger;
  store: Pick<GatewayStore, 'existingUsageEvents'>;
  outbox: Outbox;
  log?: (line: string) => void;
  gatherMs?: number;
  /**
   * Where the ledger commits settlements without waiting for their flush (PostgreSQL): the
   * write-ahead log's insert and flush positions. A committed settlement leaves the outbox only
   * once the flush position passes what the insert position was after its commit.
   */
  durability?: () => Promise<{ inserted: bigint; flushed: bigint }>;
  /**
   * Told of instances found gone (their outbox entries taken over), once those entries are
   * committed: the gateway releases the leases they held.
   */
  onOwnersGone?: (owners: string[]) => void;
}

/** How often committed settlements are checked for having reached the disk (PostgreSQL). */
export const FLUSH_CHECK_MS = 200;
/**
 * Committed settlements leave the outbox in one DELETE at most this often (or per batch of
 * SETTLE_BATCH_MAX): one left behind by a crash is found recorded at the next start and skipped.
 */
export const REMOVE_EVERY_MS = 100;

/** What one pass over a batch left to do. */
interface Pass {
  retry: Queued[];
  /** The store did not answer at all: back off. */
  unreachable: boolean;
  error?: unknown;
}

type Outcome = { result: LedgerResult } | { error: unknown };

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Settles calls after their answer, never before it (DESIGN.md §5): `settle()` writes the call's
 * settlement to the local outbox (durable when it resolves) and the caller answers then; the
 * settlements gathered over a couple of milliseconds go to the ledger together, as captures in
 * one transaction, and leave the outbox once committed.
 *
 * Nothing is lost or applied twice:
 * - a settlement is in the outbox before the call is answered, so a crash after the answer finds
 *   it there at the next start (or another instance sharing the file takes it over);
 * - a settlement whose commit went unanswered is applied again only if its usage event (which the
 *   capture writes in the same transaction) is not recorded; the event's unique id is the last guard;
 * - a capture whose hold is gone (a hold forgotten by a database crash, see the ledger's `hold`
 *   lane) charges the wallet directly, as owed where the wallet cannot pay;
 * - a settlement the ledger refuses (or that cannot be read) is buried in the outbox's dead letters
 *   with the reason, and logged: never retried ahead of the others, never silently dropped.
 * Until a settlement commits, the call's whole hold stays pending on the wallet: nothing can be
 * spent twice meanwhile.
 */
export class Settler {
  private appending: Appending[] = [];
  private queue: Queued[] = [];
  /** Sequence numbers appended and not yet done. */
  private readonly open = new Set<number>();
  /** Of those, the ones of each session (customer + session id), for sessionSettled(). */
  private readonly sessions = new Map<string, Set<number>>();
  private waiters: { upTo: number; resolve: () => void }[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sweeper: NodeJS.Timeout;
  private retryMs = RETRY_MS_MIN;
  private closing: Promise<void> | null = null;
  /** Set once close() gave up waiting: nothing more is written to the outbox or flushed. */
  private stopped = false;
  private lastFailureLoggedAt = 0;
  private readonly gatherMs: number;
  /** Committed, visible, maybe not yet on disk: kept in the outbox until the WAL is flushed past them. */
  private unflushed: { position: bigint | null; seqs: number[] }[] = [];
  private flushCheck: NodeJS.Timeout | null = null;
  /** Committed (and on disk), waiting for the next removal from the outbox. */
  private removable: number[] = [];
  private removeTimer: NodeJS.Timeout | null = null;

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
   * the outbox fail (a full disk) or be closed, the settlement is captured directly instead.
   */
  settle(
    settlement: Settlement,
    onSettled?: (event: UsageEvent) => void,
    onDone?: () => void,
  ): Promise<void> {
    return new Promise((resolve) => {
      const item = {
        settlement,
        resolve,
        ...(onSettled ? { onSettled } : {}),
        ...(onDone ? { onDone } : {}),
      };
      if (this.stopped) {
        void this.applyDirectly(item);
        return;
      }
      this.appending.push(item);
      if (this.appending.length === 1) setImmediate(() => this.append());
    });
  }

  private append(): void {
    const items = this.appending;
    this.appending = [];
    if (items.length === 0) return;
    let seqs: number[];
    try {
      if (this.stopped) throw new Error('the settler is closed');
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
      this.track(seq, item.settlement);
      this.queue.push({
        seq,
        settlement: item.settlement,
        uncertain: false,
        attempts: 0,
        ...(item.onSettled ? { onSettled: item.onSettled } : {}),
        ...(item.onDone ? { onDone: item.onDone } : {}),
      });
      item.resolve();
    }
    this.flushSoon(this.queue.length >= SETTLE_BATCH_MAX ? 0 : this.gatherMs);
  }

  /** Without the outbox: the capture itself, awaited by the call. */
  private async applyDirectly(item: Appending): Promise<void> {
    try {
      let result = await this.submit(capture(item.settlement));
      if (isFailure(result, 'hold_not_found')) result = await this.submit(chargeDirectly(item.settlement));
      if (result.ok) item.onSettled?.(item.settlement.event);
      else this.refused(item.settlement, describe(result));
    } catch (error) {
      this.options.log?.(
        `settler: settlement of hold ${item.settlement.holdId} failed (${(error as Error).message}); ` +
          `usage event ${encode(item.settlement)} not charged`,
      );
    } finally {
      item.onDone?.();
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

  /**
   * Resolves once this instance's answered calls of one session are committed, or after `ms`:
   * at once when none is waiting (a capped session's next call need not wait for the others).
   */
  sessionSettled(customerId: string, sessionId: string, ms: number): Promise<void> {
    const seqs = this.sessions.get(sessionKey(customerId, sessionId));
    if (!seqs || seqs.size === 0) return Promise.resolve();
    let upTo = 0;
    for (const seq of seqs) if (seq > upTo) upTo = seq;
    const done = new Promise<void>((resolve) => {
      this.waiters.push({ upTo, resolve });
      this.flushSoon(this.retryMs > RETRY_MS_MIN ? this.retryMs : 0);
    });
    return Promise.race([done, delay(ms)]);
  }

  /** As settled(), giving up after `ms` (a read must not hang on a ledger outage). */
  settledWithin(ms: number): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : Promise.race([this.settled(), delay(ms)]);
  }

  /** Commits what it can within a few seconds; what is left stays in the outbox for the next start. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.append();
    await this.settledWithin(CLOSE_WAIT_MS);
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.flushing) await Promise.race([this.flushing, delay(CLOSE_WAIT_MS)]);
    if (this.flushCheck) clearTimeout(this.flushCheck);
    // Committed settlements leave the outbox once on disk (left there, the next start skips them).
    for (const until = Date.now() + CLOSE_WAIT_MS; this.unflushed.length > 0 && Date.now() < until; ) {
      await this.checkFlushed();
      if (this.unflushed.length > 0) await delay(FLUSH_CHECK_MS / 4);
    }
    this.removeNow();
    if (this.open.size > 0)
      this.options.log?.(
        `settler: ${this.open.size} settlements left in ${this.options.outbox.path} for the next start`,
      );
    this.options.outbox.close();
  }

  /** Takes over the entries of gone instances (and this one's own from before a restart). */
  private recover(): void {
    // Its own: queued, committed and waiting for the WAL flush, or waiting to be removed.
    const known = new Set([
      ...this.queue.map((q) => q.seq),
      ...this.unflushed.flatMap((u) => u.seqs),
      ...this.removable,
    ]);
    const unreadable: { seq: number; reason: string }[] = [];
    let claimed = 0;
    for (const entry of this.options.outbox.claimOrphans(known)) {
      if (this.open.has(entry.seq)) continue;
      let settlement: Settlement;
      try {
        settlement = decode(entry.body);
      } catch (error) {
        unreadable.push({ seq: entry.seq, reason: `unreadable: ${(error as Error).message}` });
        continue;
      }
      this.track(entry.seq, settlement);
      this.queue.push({ seq: entry.seq, settlement, uncertain: true, attempts: 0 });
      claimed++;
    }
    if (unreadable.length > 0) {
      this.options.outbox.bury(unreadable);
      this.options.log?.(`settler: ${unreadable.length} unreadable outbox entries moved to outbox_dead`);
    }
    if (claimed > 0) this.flushSoon(0);
    const gone = this.options.outbox.takeGone();
    // Once their settlements (now this instance's) are charged, what they held is released.
    if (gone.length > 0 && this.options.onOwnersGone) {
      const onOwnersGone = this.options.onOwnersGone;
      void this.settled().then(() => onOwnersGone(gone));
    }
  }

  private flushSoon(delayMs: number): void {
    if (this.flushing || this.stopped) return;
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
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.splice(0, SETTLE_BATCH_MAX);
      let pass: Pass;
      try {
        pass = await this.apply(batch);
      } catch (error) {
        // The outbox itself failed (removing or burying): everything is tried again.
        pass = { retry: batch, unreachable: true, error };
      }
      // Retried after the others: one failing settlement never holds up the rest.
      this.queue.push(...pass.retry);
      if (pass.unreachable || pass.retry.length === batch.length) {
        this.failed(pass.error);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MS_MAX);
        return;
      }
      this.retryMs = RETRY_MS_MIN;
    }
  }

  private async apply(batch: Queued[]): Promise<Pass> {
    const uncertain = batch.filter((q) => q.uncertain).map((q) => q.settlement.event.id);
    let recorded: Set<string>;
    try {
      recorded = uncertain.length > 0 ? await this.options.store.existingUsageEvents(uncertain) : new Set();
    } catch (error) {
      return { retry: batch, unreachable: true, error };
    }
    const done = batch.filter((q) => recorded.has(q.settlement.event.id));
    const todo = batch.filter((q) => !recorded.has(q.settlement.event.id));
    // Submitted together, so that the ledger's settle lane commits them as one batch; the calls
    // of one lease as one capture of their sums (one journal transaction, an event per call).
    const outcomes = new Map<Queued, Outcome>();
    await Promise.all(byLease(todo).map((group) => this.attemptGroup(group, outcomes)));
    const lost = todo.filter((q) => isOutcome(outcomes.get(q), 'hold_not_found'));
    await Promise.all(lost.map((q) => this.attempt(q, chargeDirectly(q.settlement), outcomes)));
    // A hold captured already: by this very settlement if its event is recorded (a copy of it
    // earlier in the batch, or a commit that went unanswered); anything else is a defect.
    const captured = todo.filter((q) => isOutcome(outcomes.get(q), 'hold_already_captured'));
    const capturedBySelf =
      captured.length > 0
        ? await this.options.store
            .existingUsageEvents(captured.map((q) => q.settlement.event.id))
            .catch(() => new Set<string>())
        : new Set<string>();

    const finished: Queued[] = [...done];
    const buried: { q: Queued; reason: string }[] = [];
    const retry: Queued[] = [];
    const errors = todo.flatMap((q) => {
      const outcome = outcomes.get(q)!;
      return 'error' in outcome ? [outcome.error] : [];
    });
    // Every submission threw and the store answered nothing else (no read of recorded events, no
    // commit): the ledger is down, not these settlements, so no attempt counts.
    const unreachable =
      todo.length > 0 && errors.length === todo.length && uncertain.length === 0 && done.length === 0;
    for (const q of todo) {
      const outcome = outcomes.get(q)!;
      if ('error' in outcome) {
        q.uncertain = true;
        if (!unreachable) q.attempts++;
        if (q.attempts >= SETTLE_ATTEMPTS_MAX)
          buried.push({ q, reason: `failed ${q.attempts} times: ${(outcome.error as Error).message}` });
        else retry.push(q);
      } else if (outcome.result.ok) {
        q.onSettled?.(q.settlement.event);
        finished.push(q);
      } else if (
        outcome.result.code === 'hold_already_captured' &&
        capturedBySelf.has(q.settlement.event.id)
      ) {
        finished.push(q);
      } else {
        buried.push({ q, reason: describe(outcome.result) });
      }
    }
    this.retire(finished.map((q) => q.seq));
    this.options.outbox.bury(buried.map(({ q, reason }) => ({ seq: q.seq, reason })));
    for (const { q, reason } of buried) this.refused(q.settlement, reason);
    for (const q of [...finished, ...buried.map((b) => b.q)]) {
      this.untrack(q.seq, q.settlement);
      q.onDone?.();
    }
    this.wake();
    return { retry, unreachable, error: errors[0] };
  }

  /** Settlements committed: out of the outbox now, or once their commit is on disk. */
  private retire(seqs: number[]): void {
    if (seqs.length === 0) return;
    if (!this.options.durability) {
      this.removeSoon(seqs);
      return;
    }
    this.unflushed.push({ position: null, seqs });
    this.flushCheck ??= setTimeout(() => void this.checkFlushed(), FLUSH_CHECK_MS);
  }

  private removeSoon(seqs: number[]): void {
    for (const seq of seqs) this.removable.push(seq);
    if (this.removable.length >= SETTLE_BATCH_MAX) this.removeNow();
    else this.removeTimer ??= setTimeout(() => this.removeNow(), REMOVE_EVERY_MS);
  }

  private removeNow(): void {
    if (this.removeTimer) clearTimeout(this.removeTimer);
    this.removeTimer = null;
    const seqs = this.removable;
    this.removable = [];
    try {
      this.options.outbox.remove(seqs);
    } catch (error) {
      // Left in the outbox: the next start finds them recorded and skips them.
      this.options.log?.(`settler: removing ${seqs.length} settled entries from the outbox failed: ${error}`);
    }
  }

  private async checkFlushed(): Promise<void> {
    this.flushCheck = null;
    try {
      const { inserted, flushed } = await this.options.durability!();
      const still: typeof this.unflushed = [];
      for (const entry of this.unflushed) {
        // Read after the commit: the commit record is at or before it.
        entry.position ??= inserted;
        if (entry.position <= flushed) this.removeSoon(entry.seqs);
        else still.push(entry);
      }
      this.unflushed = still;
    } catch (error) {
      this.failed(error);
    }
    if (this.unflushed.length > 0 && !this.stopped)
      this.flushCheck ??= setTimeout(() => void this.checkFlushed(), FLUSH_CHECK_MS);
  }

  /** A lease's calls as one capture; should that throw, each alone, so that one cannot sink the rest. */
  private async attemptGroup(group: Queued[], outcomes: Map<Queued, Outcome>): Promise<void> {
    if (group.length === 1) return this.attempt(group[0]!, capture(group[0]!.settlement), outcomes);
    const shared = new Map<Queued, Outcome>();
    await this.attempt(group[0]!, captureTogether(group.map((q) => q.settlement)), shared);
    const outcome = shared.get(group[0]!)!;
    if ('error' in outcome) {
      await Promise.all(group.map((q) => this.attempt(q, capture(q.settlement), outcomes)));
      return;
    }
    for (const q of group) outcomes.set(q, outcome);
  }

  private async attempt(
    q: Queued,
    operation: LedgerOperation,
    outcomes: Map<Queued, Outcome>,
  ): Promise<void> {
    try {
      outcomes.set(q, { result: await this.submit(operation) });
    } catch (error) {
      outcomes.set(q, { error });
    }
  }

  private refused(s: Settlement, reason: string): void {
    this.options.log?.(
      `settler: settlement of hold ${s.holdId} refused (${reason}); usage event ${s.event.id} of ${s.amount} micros ` +
        `on wallet ${s.walletId} not charged (kept in outbox_dead of ${this.options.outbox.path})`,
    );
  }

  private submit(operation: LedgerOperation): Promise<LedgerResult> {
    return this.options.ledger.submit(operation, 'settle');
  }

  private track(seq: number, settlement: Settlement): void {
    this.open.add(seq);
    const session = settlement.event.sessionId;
    if (session === null) return;
    const key = sessionKey(settlement.event.customerId, session);
    let seqs = this.sessions.get(key);
    if (!seqs) {
      seqs = new Set();
      this.sessions.set(key, seqs);
    }
    seqs.add(seq);
  }

  private untrack(seq: number, settlement: Settlement): void {
    this.open.delete(seq);
    const session = settlement.event.sessionId;
    if (session === null) return;
    const key = sessionKey(settlement.event.customerId, session);
    const seqs = this.sessions.get(key);
    seqs?.delete(seq);
    if (seqs?.size === 0) this.sessions.delete(key);
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
      `settler: ${this.queue.length} settlements wait for the ledger (${(error as Error | undefined)?.message ?? 'no progress'}); ` +
        `they are kept in ${this.options.outbox.path} and retried`,
    );
  }
}

const sessionKey = (customerId: string, sessionId: string) => `${customerId}\u0000${sessionId}`;

function describe(result: LedgerResult): string {
  return result.ok ? 'ok' : `${result.code}: ${result.message}`;
}

function isOutcome(outcome: Outcome | undefined, code: string): boolean {
  return outcome !== undefined && 'result' in outcome && isFailure(outcome.result, code);
}

function capture(s: Settlement): LedgerOperation {
  return {
    command: {
      kind: 'capture',
      holdId: s.holdId,
      amount: s.amount,
      usageEvent: s.event,
      owe: true,
      ...(s.share === undefined ? {} : { share: s.share }),
    },
  };
}

/** The settlements of one lease as one capture: amounts and shares summed, each call metered. */
function captureTogether(settlements: readonly Settlement[]): LedgerOperation {
  let amount = 0n;
  let share = 0n;
  for (const s of settlements) {
    amount += s.amount;
    share += s.share ?? 0n;
  }
  return {
    command: {
      kind: 'capture',
      holdId: settlements[0]!.holdId,
      amount,
      share,
      usageEvents: settlements.map((s) => s.event),
      owe: true,
    },
  };
}

/** Groups settlements: those of one lease together (up to a batch), every other one alone. */
function byLease(queued: readonly Queued[]): Queued[][] {
  const groups: Queued[][] = [];
  const leases = new Map<string, Queued[]>();
  for (const q of queued) {
    if (q.settlement.share === undefined) {
      groups.push([q]);
      continue;
    }
    let group = leases.get(q.settlement.holdId);
    if (!group) {
      group = [];
      leases.set(q.settlement.holdId, group);
      groups.push(group);
    }
    group.push(q);
  }
  return groups;
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

/** JSON with the amounts as decimal strings (a tag's text is never taken for a number). */
export function encode(s: Settlement): string {
  return JSON.stringify({
    ...s,
    amount: String(s.amount),
    ...(s.share === undefined ? {} : { share: String(s.share) }),
    event: { ...s.event, cost: String(s.event.cost), price: String(s.event.price) },
  });
}

export function decode(body: string): Settlement {
  const raw = JSON.parse(body);
  return {
    ...raw,
    amount: BigInt(raw.amount),
    ...(raw.share === undefined ? {} : { share: BigInt(raw.share) }),
    event: { ...raw.event, cost: BigInt(raw.event.cost), price: BigInt(raw.event.price) },
  };
}
