import type { RateLimitRow, RateLimitStore } from '@tollgate/storage';

/** How often an instance checks the shared store for limits changed elsewhere. */
export const RATE_LIMIT_POLL_MS = 2_000;

/**
 * The stored rate limits in memory for the hot path. A change applies from the next call on the
 * instance that made it (the admin route reloads) and within RATE_LIMIT_POLL_MS on the others.
 */
export class RateLimitRules {
  private rows: RateLimitRow[] = [];
  private version = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: RateLimitStore) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => {}), RATE_LIMIT_POLL_MS);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    const version = await this.store.rateLimitsVersion();
    if (version === this.version) return;
    this.rows = await this.store.listRateLimits();
    this.version = version;
  }

  all(): readonly RateLimitRow[] {
    return this.rows;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
