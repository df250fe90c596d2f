import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/** Every limit is per minute: a fixed window that starts at a bucket's first call. */
export const WINDOW_S = 60;
/** Redis keys are `tollgate:rl:<bucket>` (rate-limiter-flexible adds the colon). */
export const REDIS_KEY_PREFIX = 'tollgate:rl';
/** How often, at most, a Redis failure is logged while it lasts. */
export const REDIS_FAILURE_LOG_INTERVAL_MS = 30_000;
/** The limiter's own ceiling, never reached: limits are compared per take (see FlexibleBuckets). */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export interface BucketState {
  allowed: boolean;
  /** What the window has counted, this call included. */
  used: number;
  msBeforeReset: number;
  /** Counted by this instance alone because the shared store (Redis) failed. */
  degraded: boolean;
}

/** Counters per bucket and window. `take` is atomic: concurrent takes never both get the last unit. */
export interface Buckets {
  /** Counts `amount`; allowed when the window's total stays within `limit`. */
  take(bucket: string, amount: number, limit: number): Promise<BucketState>;
  /** Adds (true-up after a call) or, negative, gives back, with no limit check. */
  adjust(bucket: string, amount: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A rate-limiter-flexible limiter used as an atomic counter per bucket and window: it never
 * refuses by itself (its points are unbounded); each take compares the count it got back, which
 * already includes itself, with the limit. Concurrent takes get distinct counts, so exactly
 * `limit` of them fit, and one counter serves whatever limit a bucket has now.
 */
class FlexibleBuckets {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  async take(bucket: string, amount: number, limit: number): Promise<Omit<BucketState, 'degraded'>> {
    const res = await this.limiter.consume(bucket, amount);
    return {
      allowed: res.consumedPoints <= limit,
      used: res.consumedPoints,
      msBeforeReset: res.msBeforeNext,
    };
  }

  async adjust(bucket: string, amount: number): Promise<void> {
    if (amount > 0) await this.limiter.penalty(bucket, amount);
    else if (amount < 0) await this.limiter.reward(bucket, -amount);
  }
}

/** Counters in this process: exact for one instance. */
export function memoryBuckets(): Buckets {
  const flexible = new FlexibleBuckets(new RateLimiterMemory({ points: UNBOUNDED, duration: WINDOW_S }));
  return {
    take: async (bucket, amount, limit) => ({
      ...(await flexible.take(bucket, amount, limit)),
      degraded: false,
    }),
    adjust: (bucket, amount) => flexible.adjust(bucket, amount),
    close: async () => {},
  };
}

/**
 * Counters in Redis, shared by every instance (rate-limiter-flexible's atomic Lua increment).
 * When Redis fails, this instance fails open to its own in-process counters (each instance then
 * enforces the limits alone) and logs it: a Redis blip must not take the vendor's product down.
 */
export function redisBuckets(client: Redis, log: (line: string) => void): Buckets {
  const shared = new FlexibleBuckets(
    new RateLimiterRedis({
      storeClient: client,
      points: UNBOUNDED,
      duration: WINDOW_S,
      keyPrefix: REDIS_KEY_PREFIX,
    }),
  );
  const local = memoryBuckets();
  let loggedAt = 0;
  const fellBack = (error: unknown) => {
    const now = Date.now();
    if (now - loggedAt < REDIS_FAILURE_LOG_INTERVAL_MS) return;
    loggedAt = now;
    log(
      `rate limits: Redis failed (${(error as Error).message}); counting in this instance until it answers`,
    );
  };
  return {
    async take(bucket, amount, limit) {
      try {
        return { ...(await shared.take(bucket, amount, limit)), degraded: false };
      } catch (error) {
        fellBack(error);
        return { ...(await local.take(bucket, amount, limit)), degraded: true };
      }
    },
    async adjust(bucket, amount) {
      await shared.adjust(bucket, amount).catch(fellBack);
    },
    async close() {
      client.disconnect();
    },
  };
}
