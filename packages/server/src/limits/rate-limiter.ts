import { type RateLimitStore, rateLimitStore, type Store } from '@tollgate/storage';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { type Admission, admit } from './admission.ts';
import { type Buckets, memoryBuckets, redisBuckets } from './buckets.ts';
import { RateLimitRules } from './rule-cache.ts';
import { applicableLimits, type LimitSubject } from './rules.ts';

/** How long start-up waits for Redis before it goes on counting in process (and keeps retrying). */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** A Redis command slower than this counts as a failure: the call goes on, counted locally. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

const redisUrlSchema = z
  .url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' })
  .optional();

/**
 * Rate limits for the gateway: the rules (stored, cached, polled) and the counters (in process,
 * or in Redis when REDIS_URL is set, so that every instance shares them).
 */
export class RateLimiter {
  constructor(
    readonly rules: RateLimitRules,
    private readonly buckets: Buckets,
    readonly shared: boolean,
  ) {}

  /**
   * Admits a call within every limit that applies to it, or throws a 429 `rate_limited`.
   * Returns null when no limit applies (no headers to send, nothing to settle).
   * `estimatedTokens` is only computed when a tokens limit applies.
   */
  async admit(subject: LimitSubject, estimatedTokens: () => number): Promise<Admission | null> {
    const limits = applicableLimits(this.rules.all(), subject);
    if (limits.length === 0) return null;
    const tokens = limits.some((l) => l.metric === 'tokens') ? estimatedTokens() : 0;
    return admit(this.buckets, limits, tokens);
  }

  async close(): Promise<void> {
    this.rules.stop();
    await this.buckets.close();
  }
}

/** Where a Redis URL points, without its credentials (for logs). */
const redisHost = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
};

async function connectRedis(url: string, log: (line: string) => void): Promise<Redis> {
  // No offline queue: while Redis is away a command fails at once (and the call is counted
  // locally) instead of waiting for a reconnect.
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  });
  // ioredis reconnects by itself; errors are reported by the buckets when a call meets them.
  client.on('error', () => {});
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('timed out')), REDIS_CONNECT_TIMEOUT_MS).unref(),
  );
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (error) {
    log(
      `rate limits: Redis at ${redisHost(url)} did not answer (${(error as Error).message}); counting in this instance until it does`,
    );
  }
  return client;
}

export interface RateLimiterOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The rules' store (default: the store's rate_limits table). */
  rulesStore?: RateLimitStore;
}

/** Loads the rules and opens the counters; REDIS_URL (validated here) makes them shared. */
export async function startRateLimiter(options: RateLimiterOptions): Promise<RateLimiter> {
  const log = options.log ?? (() => {});
  const parsed = redisUrlSchema.safeParse(options.env.REDIS_URL || undefined);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'REDIS_URL is not valid');
  const url = parsed.data;
  const rules = new RateLimitRules(options.rulesStore ?? rateLimitStore(options.store));
  await rules.start();
  const buckets = url ? redisBuckets(await connectRedis(url, log), log) : memoryBuckets();
  return new RateLimiter(rules, buckets, url !== undefined);
}
