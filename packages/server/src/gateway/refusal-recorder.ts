import type { RefusalCountRow, RefusalStore } from '@tollgate/storage';
import type { GatewayErrorCode } from './caller-errors.ts';

/** How often counted refusals are written: the blocked_spike alert sees them within this. */
export const REFUSAL_FLUSH_INTERVAL_MS = 2_000;
/** Distinct (customer, code, minute) counters held in memory; past it, the oldest unwritten are dropped. */
export const REFUSAL_KEYS_MAX = 50_000;
const MINUTE_MS = 60_000;

/** The refusals a blocked_spike alert counts: out of credits (402) or over a limit (429). */
export const COUNTED_REFUSALS: ReadonlySet<GatewayErrorCode> = new Set<GatewayErrorCode>([
  'insufficient_credits',
  'wallet_frozen',
  'rate_limited',
  'budget_exceeded',
]);

export interface RefusalRecorderOptions {
  store: RefusalStore;
  clock?: () => number;
  flushIntervalMs?: number;
  /** Told which customers' counts were just written (the alert engine evaluates them). */
  onFlushed?: (customerIds: string[]) => void;
  log?: (line: string) => void;
}

/**
 * Counts the gateway's refusals per customer, code and UTC minute in memory (a Map increment on
 * the request path, nothing awaited) and writes them every few seconds in one batched upsert,
 * and once more on close. These counts are telemetry, not money: a crash loses at most the last
 * interval's counts, which is why they are not written before the refusal is answered.
 */
export class RefusalRecorder {
  private counts = new Map<string, RefusalCountRow>();
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private dropped = 0;

  constructor(private readonly options: RefusalRecorderOptions) {
    this.clock = options.clock ?? Date.now;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? REFUSAL_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Counts a refusal of a known customer; codes that are not refusals (400, 5xx…) are ignored. */
  record(customerId: string, code: GatewayErrorCode): void {
    if (!COUNTED_REFUSALS.has(code)) return;
    const minute = Math.floor(this.clock() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}\u0000${code}\u0000${customerId}`;
    const row = this.counts.get(key);
    if (row) row.count++;
    else this.add(key, { customerId, minute, code, count: 1 });
  }

  /** Writes what was counted so far (after a flush in progress, if any). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.counts.size === 0) return;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Stops the timer and writes the rest. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private add(key: string, row: RefusalCountRow): void {
    if (this.counts.size >= REFUSAL_KEYS_MAX) {
      // The store is unreachable for long: keep memory bounded, losing the oldest counts first.
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
      this.dropped++;
    }
    this.counts.set(key, row);
  }

  private async write(): Promise<void> {
    const batch = this.counts;
    this.counts = new Map();
    try {
      await this.options.store.addRefusals([...batch.values()]);
    } catch (error) {
      // Kept for the next interval, merged with what was counted meanwhile.
      for (const [key, row] of batch) {
        const newer = this.counts.get(key);
        if (newer) newer.count += row.count;
        else this.add(key, row);
      }
      this.options.log?.(
        `Recording gateway refusals failed (retried in ${this.options.flushIntervalMs ?? REFUSAL_FLUSH_INTERVAL_MS} ms): ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    if (this.dropped > 0) {
      this.options.log?.(
        `Dropped ${this.dropped} gateway refusal counter(s) while the store was unreachable`,
      );
      this.dropped = 0;
    }
    const customers = new Set<string>();
    for (const row of batch.values()) customers.add(row.customerId);
    try {
      this.options.onFlushed?.([...customers]);
    } catch (error) {
      this.options.log?.(
        `Refusal listener failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
