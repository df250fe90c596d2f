import type { Ledger } from '@tollgate/storage';

export const EXPIRY_INTERVAL_MS = 10_000;

export interface ExpiryScheduler {
  /** Stops the timer and waits for a run in progress, so that the store can be closed after it. */
  stop(): Promise<void>;
  /** Runs one pass now (unless one is running) and waits for it. */
  runNow(): Promise<void>;
}

export interface ExpirySchedulerOptions {
  ledger: Ledger;
  intervalMs?: number;
  log?: (line: string) => void;
}

/**
 * Settles due expiries (holds never captured, lots past their date) every interval. The next run
 * is armed only when the previous one has finished, so runs never overlap however slow the store.
 */
export function startExpiryScheduler(options: ExpirySchedulerOptions): ExpiryScheduler {
  const { ledger, intervalMs = EXPIRY_INTERVAL_MS, log = console.log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async () => {
    try {
      const expired = await ledger.expireDue();
      if (expired.holdsExpired > 0 || expired.breakage > 0n) log(describeExpiry(expired));
    } catch (error) {
      // A failed pass is retried at the next tick; the server keeps serving meanwhile.
      log(`Expiry pass failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const run = (): Promise<void> => {
    running ??= pass().finally(() => {
      running = undefined;
      arm();
    });
    return running;
  };
  const arm = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, intervalMs);
    // The schedule alone must not keep a process alive (tests, one-shot commands).
    timer.unref();
  };

  arm();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export function describeExpiry(expired: { wallets: number; holdsExpired: number; breakage: bigint }): string {
  const holds = `${expired.holdsExpired} hold${expired.holdsExpired === 1 ? '' : 's'}`;
  const wallets = `${expired.wallets} wallet${expired.wallets === 1 ? '' : 's'}`;
  return `Expired ${holds} and ${expired.breakage} micros of credits (breakage) in ${wallets}`;
}
