import type { Micros } from '@tollgate/domain';
import { type GatewayStore, type Ledger, leaseMetadata } from '@tollgate/storage';

/** A lease serves calls this long after the ledger last admitted it; then it is checked again (a frozen wallet is seen by then). */
export const LEASE_SERVE_MS = 5_000;
/**
 * A lease no call reserved from for this long goes back to its wallet: all of it with no call
 * out, else what no call holds (a partial release), the rest once those calls are settled.
 */
export const LEASE_IDLE_MS = 1_000;
/**
 * A lease's hold expires this long after the ledger last admitted or renewed it; the instance
 * renews it while calls it served are out. A lease of an instance that died without anyone
 * taking over its outbox is pending at most this long.
 */
export const LEASE_TTL_MS = 60_000;
/** How long close() waits for the ledger to take the leases back. */
export const LEASE_CLOSE_WAIT_MS = 5_000;
/** A lease grows by this many calls of the amount that asked… */
export const LEASE_CALLS_MIN = 16n;
/** …doubling while each growth is used up quickly, to at most this many. */
export const LEASE_CALLS_MAX = 1_024n;
/**
 * A wallet that could pay for fewer than this many more calls (of the asking amount) beyond the
 * lease is nearly spent: its lease then grows by exactly what the waiting calls need, so that no
 * credit sits unreserved in one instance while a call on another is refused.
 */
export const LEASE_NEARLY_SPENT_CALLS = 2n * LEASE_CALLS_MIN;

/**
 * A call's hold, decided in memory against its instance's lease of the wallet. Its `holdId` is
 * the lease's: the call's settlement captures `amount` of it (a partial capture) and leaves the
 * rest open for the other calls.
 */
export interface Reservation {
  readonly holdId: string;
  readonly walletId: string;
  readonly amount: Micros;
  /** What the wallet can still spend once this call is reserved (the lease's unreserved part counted). */
  readonly available: Micros;
  readonly lease: Lease;
}

interface Lease {
  readonly holdId: string;
  readonly walletId: string;
  /** The wallet's balance less pending as the ledger last admitted the lease (the lease counted as pending). */
  available: Micros;
  /** Not reserved for any call: what a release returns. */
  free: Micros;
  /** Calls reserved and not yet captured (committed) or given back. */
  outstanding: number;
  /** It serves calls until then; after it, the ledger admits it again (a raise of 0) first. */
  validUntil: number;
  /** When its hold expires, as the ledger last set it. */
  expiresAt: number;
  renewing: boolean;
  /** A refused renewal is tried again from then on. */
  renewAfter: number;
  grownAt: number;
  lastReservedAt: number;
  retired: boolean;
  released: boolean;
}

interface Waiter {
  amount: Micros;
  resolve: (reservation: Reservation | null) => void;
}

interface WalletLeases {
  active: Lease | null;
  /** Calls the lease cannot serve yet, in arrival order, while it grows. */
  waiting: Waiter[];
  growing: boolean;
  /** How many calls of the asking amount the next growth adds. */
  calls: bigint;
}

export interface LeasesOptions {
  ledger: Pick<Ledger, 'submit'>;
  /** A lease's hold lasts this long past its last growth or renewal (LEASE_TTL_MS). */
  ttlMs?: number;
  /** The longest a call may run (its own hold's TTL): a lease is renewed for its calls at most this long after the last. */
  callTtlMs: number;
  /** Written on each lease's hold (`metadata.lease`): which instance took it. */
  owner: string;
  serveMs?: number;
  idleMs?: number;
  clock?: () => number;
  log?: (line: string) => void;
}

/**
 * Calls' holds decided in memory (docs/gateway.md, "Leases"). An instance holds part of a busy
 * wallet's credit in one ledger hold, the lease, and reserves each call's most from it without a
 * database round trip; each call's settlement captures its part of the lease (a partial capture).
 * The ledger's guarantees stand because the lease is an ordinary hold: this instance never
 * reserves more than it holds, and what it holds the ledger admitted against the wallet like any
 * hold. A lease that cannot serve a call grows (the ledger raises its hold) by a few calls' worth,
 * or by exactly what the waiting calls need when the wallet is nearly spent; if even that is
 * refused, the wallet cannot pay for the call, which then holds on its own and gets the ledger's
 * exact answer. So a lease never strands credit a call could have used.
 *
 * The unreserved part of a lease counts as pending in the database until the lease goes back
 * (idle for LEASE_IDLE_MS with no call out, or at close); wallet reads through this process's
 * ledger show it as available (`Ledger.setAside`).
 */
export class Leases {
  private readonly wallets = new Map<string, WalletLeases>();
  /** Retired leases with calls still out: released once the last is captured. */
  private readonly draining = new Set<Lease>();
  /** Ledger round trips in flight (growths, renewals, releases): close() waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly ttlMs: number;
  private readonly callTtlMs: number;
  private readonly serveMs: number;
  private readonly idleMs: number;
  private readonly clock: () => number;
  private closed = false;

  constructor(private readonly options: LeasesOptions) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.callTtlMs = options.callTtlMs;
    this.serveMs = options.serveMs ?? LEASE_SERVE_MS;
    this.idleMs = options.idleMs ?? LEASE_IDLE_MS;
    this.clock = options.clock ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.floor(this.idleMs / 2)));
    this.sweeper.unref();
  }

  /**
   * Reserves `amount` for a call from the wallet's lease, growing or taking one if needed; null
   * when the wallet cannot cover a lease that fits (the call then holds on its own).
   */
  reserve(walletId: string, amount: Micros): Promise<Reservation | null> {
    if (this.closed || amount <= 0n) return Promise.resolve(null);
    const wallet = this.walletLeases(walletId);
    const lease = wallet.active;
    const now = this.clock();
    if (wallet.waiting.length === 0 && lease && now < lease.validUntil && lease.free >= amount) {
      const reservation = this.carve(lease, amount, now);
      // Grow ahead, while a quarter of the growth is left, so that calls seldom wait for it.
      if (!wallet.growing && lease.free < (amount * wallet.calls) / 4n)
        void this.growAhead(wallet, walletId, amount);
      return Promise.resolve(reservation);
    }
    return new Promise((resolve) => {
      wallet.waiting.push({ amount, resolve });
      if (!wallet.growing) void this.serveWaiting(wallet, walletId);
    });
  }

  /** The call sent nothing billable (the provider refused it): its part is free again. */
  giveBack(reservation: Reservation): void {
    const lease = reservation.lease;
    lease.free += reservation.amount;
    this.done(lease);
  }

  /**
   * The call's settlement is done with (captured, found recorded already, or buried), or none
   * will come: its part no longer keeps the lease from going back.
   */
  settled(reservation: Reservation): void {
    this.done(reservation.lease);
  }

  /** Credit this instance holds for the wallet and has reserved for no call. */
  unreserved(walletId: string): Micros {
    const lease = this.wallets.get(walletId)?.active;
    let total = lease ? lease.free : 0n;
    for (const draining of this.draining) if (draining.walletId === walletId) total += draining.free;
    return total;
  }

  /**
   * Stops reserving from the wallet's lease and returns it once its calls are captured: the wallet
   * changed (frozen, its overdraft lowered) and the next call must be admitted against it again.
   */
  forget(walletId: string): void {
    const lease = this.wallets.get(walletId)?.active;
    if (lease) this.retire(lease);
  }

  /** Returns every lease whose calls are captured; one with calls still out expires with its hold. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    // A growth in flight may still take a lease: it is retired as it lands (closed), then released.
    // Waits for the ledger a few seconds at most: what is left expires with its hold.
    const until = Date.now() + LEASE_CLOSE_WAIT_MS;
    const settle = () =>
      Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())).unref()),
      ]);
    for (let round = 0; round < 3 && this.inFlight.size > 0 && Date.now() < until; round++) {
      await settle();
      for (const wallet of this.wallets.values()) if (wallet.active) this.retire(wallet.active);
    }
    for (const wallet of this.wallets.values()) if (wallet.active) this.retire(wallet.active);
    if (this.inFlight.size > 0 && Date.now() < until) await settle();
    if (this.draining.size > 0)
      this.options.log?.(
        `leases: ${this.draining.size} leases still had calls to capture at close; their holds expire on their own`,
      );
  }

  private walletLeases(walletId: string): WalletLeases {
    let wallet = this.wallets.get(walletId);
    if (!wallet) {
      wallet = { active: null, waiting: [], growing: false, calls: LEASE_CALLS_MIN };
      this.wallets.set(walletId, wallet);
    }
    return wallet;
  }

  private carve(lease: Lease, amount: Micros, now: number): Reservation {
    lease.free -= amount;
    lease.outstanding++;
    lease.lastReservedAt = now;
    return {
      holdId: lease.holdId,
      walletId: lease.walletId,
      amount,
      available: lease.available + lease.free,
      lease,
    };
  }

  /** Serves the waiting calls in order, growing the lease for them; one runs per wallet. */
  private async serveWaiting(wallet: WalletLeases, walletId: string): Promise<void> {
    wallet.growing = true;
    try {
      while (wallet.waiting.length > 0) {
        const lease = wallet.active;
        const now = this.clock();
        if (lease && now < lease.validUntil) {
          while (wallet.waiting.length > 0 && lease.free >= wallet.waiting[0]!.amount) {
            const waiter = wallet.waiting.shift()!;
            waiter.resolve(this.carve(lease, waiter.amount, now));
          }
          if (wallet.waiting.length === 0) return;
        }
        if (this.closed) break;
        const free = lease ? lease.free : 0n;
        const head = wallet.waiting[0]!.amount;
        const needed = wallet.waiting.reduce((sum, w) => sum + w.amount, 0n);
        // Tries a few calls' worth, then what the waiting calls need, then what the first needs
        // (0 when the lease covers it but must be admitted again), largest first.
        const tries = [...new Set([this.growth(wallet, lease, head, needed), needed - free, head - free])]
          .map((by) => (by > 0n ? by : 0n))
          .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
          .filter((by, i, all) => i === 0 || by !== all[i - 1]);
        let grown: true | string = 'not tried';
        for (const by of tries) {
          grown = await this.grow(wallet, walletId, by);
          if (grown === true || wallet.active !== lease) break;
        }
        if (grown === true || wallet.active !== lease) continue;
        // A refused check of the lease itself (a raise of 0: frozen, owing), or a refusal that is not
        // about the amount, retires it, and every waiting call holds on its own (the ledger answers
        // each exactly).
        if ((lease && head <= free) || grown !== 'insufficient_credits') {
          if (lease) this.retire(lease);
          for (const waiter of wallet.waiting.splice(0)) waiter.resolve(null);
          continue;
        }
        // Else the wallet cannot cover the first call beyond what the lease has: it, and every call
        // as large, holds on its own; a smaller one may still fit, and is tried next.
        const smaller = wallet.waiting.filter((w) => w.amount < head);
        for (const waiter of wallet.waiting) if (waiter.amount >= head) waiter.resolve(null);
        wallet.waiting = smaller;
      }
    } catch (error) {
      this.options.log?.(
        `leases: growing the lease of wallet ${walletId} failed: ${(error as Error).message}`,
      );
    } finally {
      for (const waiter of wallet.waiting.splice(0)) waiter.resolve(null);
      wallet.growing = false;
    }
  }

  /** Grows the lease before it runs out; a nearly spent wallet grows only for calls that wait. */
  private async growAhead(wallet: WalletLeases, walletId: string, amount: Micros): Promise<void> {
    const lease = wallet.active;
    if (!lease) return;
    wallet.growing = true;
    try {
      const by = this.growth(wallet, lease, amount, 0n);
      if (by > 0n) await this.grow(wallet, walletId, by);
    } catch (error) {
      this.options.log?.(
        `leases: growing the lease of wallet ${walletId} failed: ${(error as Error).message}`,
      );
    } finally {
      wallet.growing = false;
      if (wallet.waiting.length > 0) void this.serveWaiting(wallet, walletId);
    }
  }

  /** How much to grow by: a few calls' worth, twice as many again while each growth goes quickly. */
  private growth(wallet: WalletLeases, lease: Lease | null, head: Micros, needed: Micros): Micros {
    const now = this.clock();
    if (lease && now - lease.grownAt < this.serveMs / 5)
      wallet.calls = wallet.calls * 2n > LEASE_CALLS_MAX ? LEASE_CALLS_MAX : wallet.calls * 2n;
    const free = lease ? lease.free : 0n;
    if (lease && lease.available < head * LEASE_NEARLY_SPENT_CALLS) return needed - free;
    let by = head * wallet.calls;
    // Leave at least half of what the wallet can spend beyond the lease to others.
    if (lease && by > lease.available / 2n) by = lease.available / 2n;
    if (by < needed) by = needed;
    return by - free;
  }

  /**
   * One ledger round trip: raises the active lease by `by` (0: only checks it), or takes a new one.
   * On the durable lane: a lease answers for many calls, so it is not answered before it commits.
   */
  private async grow(wallet: WalletLeases, walletId: string, by: Micros): Promise<true | string> {
    const lease = wallet.active;
    if (!lease && by === 0n) return 'insufficient_credits';
    const result = await this.track(
      this.options.ledger.submit({
        command: {
          kind: 'hold',
          walletId,
          amount: by,
          ttlMs: this.ttlMs,
          capturePolicy: 'overflow',
          metadata: leaseMetadata(this.options.owner),
          ...(lease ? { raises: lease.holdId } : {}),
        },
      }),
    );
    const now = this.clock();
    if (!result.ok || result.value.kind !== 'hold') {
      // The lease's own hold is gone (expired, released elsewhere): the next try takes a new one.
      if (lease && !result.ok && result.code.startsWith('hold_')) this.retire(lease);
      return result.ok ? 'not_a_hold' : result.code;
    }
    const available = result.value.wallet.balance - result.value.wallet.pending;
    if (lease && !lease.retired) {
      lease.free += by;
      lease.available = available;
      lease.validUntil = now + this.serveMs;
      lease.expiresAt = result.value.hold.expiresAt;
      if (by > 0n) lease.grownAt = now;
      return true;
    }
    if (lease) {
      // Retired meanwhile (the wallet changed): the raise goes back with it.
      lease.free += by;
      return 'retired';
    }
    wallet.active = {
      holdId: result.value.hold.id,
      walletId,
      available,
      free: by,
      outstanding: 0,
      validUntil: now + this.serveMs,
      expiresAt: result.value.hold.expiresAt,
      renewing: false,
      renewAfter: 0,
      grownAt: now,
      lastReservedAt: now,
      retired: false,
      released: false,
    };
    if (this.closed) this.retire(wallet.active);
    return true;
  }

  private done(lease: Lease): void {
    lease.outstanding--;
    if (lease.retired && lease.outstanding === 0) this.release(lease);
  }

  private retire(lease: Lease): void {
    if (lease.retired) return;
    lease.retired = true;
    const wallet = this.wallets.get(lease.walletId);
    if (wallet?.active === lease) {
      wallet.active = null;
      // The next lease starts small again.
      wallet.calls = LEASE_CALLS_MIN;
    }
    if (lease.released) {
      // Its hold is gone already (given back whole, expired): nothing unreserved is left to show.
      lease.free = 0n;
      this.draining.delete(lease);
    } else if (lease.outstanding === 0) this.release(lease);
    else this.draining.add(lease);
  }

  private release(lease: Lease): void {
    if (lease.released) return;
    lease.released = true;
    this.draining.delete(lease);
    this.track(this.options.ledger.submit({ command: { kind: 'release', holdId: lease.holdId } })).then(
      (result) => {
        // Captured whole already (its last call took exactly what was left), given back whole by a
        // trim, or expired: nothing to give back.
        if (
          !result.ok &&
          !['hold_expired', 'hold_already_captured', 'hold_already_released'].includes(result.code)
        )
          this.options.log?.(`leases: the release of lease ${lease.holdId} was refused: ${result.code}`);
      },
      (error: unknown) =>
        this.options.log?.(
          `leases: the release of lease ${lease.holdId} failed (${(error as Error).message}); it expires on its own`,
        ),
    );
  }

  /** Keeps a ledger round trip in view until it settles (close() waits for them). */
  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }

  /** Gives back what no call holds of an idle lease whose calls are still out (a partial release). */
  private trim(lease: Lease): void {
    const part = lease.free;
    if (part <= 0n) return;
    lease.free = 0n;
    this.track(
      this.options.ledger.submit({ command: { kind: 'release', holdId: lease.holdId, amount: part } }),
    ).then(
      (result) => {
        // Given back whole (its calls' captures had taken the rest meanwhile), or not given back
        // (the hold is gone, the store refused): the lease serves no more calls.
        if (result.ok && result.value.kind === 'release' && result.value.hold.status !== 'open')
          lease.released = true;
        if (!result.ok || lease.released) this.retire(lease);
      },
      () => this.retire(lease),
    );
  }

  /** Pushes the expiry of a lease whose calls are out, so that it cannot expire under them. */
  private renew(lease: Lease): void {
    lease.renewing = true;
    const at = this.clock();
    this.track(
      this.options.ledger.submit({
        command: {
          kind: 'hold',
          walletId: lease.walletId,
          amount: 0n,
          ttlMs: this.ttlMs,
          raises: lease.holdId,
          metadata: leaseMetadata(this.options.owner),
        },
      }),
    )
      .then(
        (result) => {
          if (result.ok && result.value.kind === 'hold') lease.expiresAt = result.value.hold.expiresAt;
          else if (!result.ok && result.code.startsWith('hold_')) {
            // Gone already (expired, released): its calls are charged directly when they settle.
            lease.released = true;
            this.retire(lease);
          } else {
            // Refused (the wallet was frozen or owes meanwhile): tried again later, not every sweep.
            lease.renewAfter = at + this.ttlMs / 4;
          }
        },
        (error: unknown) =>
          this.options.log?.(`leases: renewing lease ${lease.holdId} failed: ${(error as Error).message}`),
      )
      .finally(() => {
        lease.renewing = false;
      });
  }

  /**
   * Returns idle leases (all of one with no call out, what no call holds of one with calls out),
   * renews those whose calls are out, and forgets wallets with nothing going on.
   */
  private sweep(): void {
    const now = this.clock();
    // Calls out longer than any call can take are not waited for: their lease may expire.
    const renewing = (lease: Lease) =>
      !lease.renewing &&
      lease.outstanding > 0 &&
      lease.expiresAt - now < this.ttlMs / 2 &&
      now >= lease.renewAfter &&
      now - lease.lastReservedAt < this.callTtlMs;
    for (const lease of this.draining) if (renewing(lease)) this.renew(lease);
    for (const [walletId, wallet] of this.wallets) {
      if (wallet.growing) continue;
      const lease = wallet.active;
      if (lease && now - lease.lastReservedAt >= this.idleMs) {
        if (lease.outstanding === 0) this.retire(lease);
        else this.trim(lease);
      }
      if (lease && !lease.retired && renewing(lease)) this.renew(lease);
      if (!wallet.active) this.wallets.delete(walletId);
    }
  }
}

/**
 * Releases the leases of instances that are gone (a crash, a kill): called once their outbox
 * entries, the partial captures of those leases, are committed by the instance that took them
 * over. Without this, a lease's unreserved credit would stay pending until its hold expired.
 */
export async function releaseLeasesOf(
  owners: readonly string[],
  deps: {
    ledger: Pick<Ledger, 'submit'>;
    store: Pick<GatewayStore, 'openLeases'>;
    log?: (line: string) => void;
  },
): Promise<number> {
  const holdIds = await deps.store.openLeases(owners);
  const results = await Promise.all(
    holdIds.map((holdId) => deps.ledger.submit({ command: { kind: 'release', holdId } })),
  );
  const released = results.filter((r) => r.ok).length;
  if (released > 0) deps.log?.(`leases: released ${released} leases of gone instances ${owners.join(', ')}`);
  return released;
}
