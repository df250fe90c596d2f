import { GatewayError } from '../gateway/caller-errors.ts';
import type { BucketState, Buckets } from './buckets.ts';
import { formatReset, retryAfterSeconds } from './reset-format.ts';
import type { Limit, LimitMetric } from './rules.ts';

/** A call admitted within its limits: the headers to answer with, and the true-up once it is done. */
export interface Admission {
  headers: Record<string, string>;
  /**
   * Replaces the call's estimated tokens with what it really used (0 when nothing was generated)
   * in every tokens bucket. Only the first settle counts.
   */
  settle(tokensUsed: number): Promise<void>;
}

interface Taken {
  limit: Limit;
  amount: number;
  state: BucketState;
}

/** The applicable limit with the least room left (ties: the one that resets last), per metric. */
function tightest(taken: readonly Taken[], metric: LimitMetric): Taken | undefined {
  let best: Taken | undefined;
  for (const t of taken) {
    if (t.limit.metric !== metric) continue;
    const room = t.limit.perMinute - t.state.used;
    const bestRoom = best ? best.limit.perMinute - best.state.used : Number.POSITIVE_INFINITY;
    if (!best || room < bestRoom || (room === bestRoom && t.state.msBeforeReset > best.state.msBeforeReset))
      best = t;
  }
  return best;
}

/** OpenAI's `x-ratelimit-*` headers for the tightest requests and tokens limits. */
export function rateLimitHeaders(taken: readonly Taken[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const metric of ['requests', 'tokens'] as const) {
    const t = tightest(taken, metric);
    if (!t) continue;
    headers[`x-ratelimit-limit-${metric}`] = String(t.limit.perMinute);
    headers[`x-ratelimit-remaining-${metric}`] = String(Math.max(0, t.limit.perMinute - t.state.used));
    headers[`x-ratelimit-reset-${metric}`] = formatReset(t.state.msBeforeReset);
  }
  // Say so when the shared store failed and this instance counted alone (see buckets.ts).
  if (taken.some((t) => t.state.degraded)) headers['x-tollgate-ratelimit-store'] = 'degraded';
  return headers;
}

function refusal(denied: Taken, taken: readonly Taken[]): GatewayError {
  const { limit, amount, state } = denied;
  const unit = limit.metric === 'requests' ? 'requests' : 'tokens';
  const message =
    limit.metric === 'tokens' && amount > limit.perMinute
      ? `This call may use up to ${amount} tokens (prompt + max output), more than the ${limit.perMinute} tokens per minute allowed for ${limit.scope}. Lower max_tokens or shorten the prompt.`
      : `Rate limit reached for ${limit.scope}: ${limit.perMinute} ${unit} per minute. Retry after ${retryAfterSeconds(state.msBeforeReset)}s.`;
  // The refused call counted nothing: report the room that is really left.
  const shown = taken.map((t) => ({ ...t, state: { ...t.state, used: t.state.used - t.amount } }));
  const headers = {
    ...rateLimitHeaders(shown),
    'retry-after': String(retryAfterSeconds(state.msBeforeReset)),
  };
  return new GatewayError('rate_limited', message, null, headers);
}

/**
 * Takes one request and the call's estimated tokens from every applicable bucket at once. If
 * any refuses, everything taken is given back (a refused call counts against nothing) and the
 * refusal is thrown as a 429 `rate_limited` GatewayError carrying `retry-after`.
 */
export async function admit(
  buckets: Buckets,
  limits: readonly Limit[],
  estimatedTokens: number,
): Promise<Admission> {
  const taken: Taken[] = await Promise.all(
    limits.map(async (limit) => {
      const amount = limit.metric === 'requests' ? 1 : Math.max(1, estimatedTokens);
      return { limit, amount, state: await buckets.take(limit.bucket, amount, limit.perMinute) };
    }),
  );
  const denied = taken.filter((t) => !t.state.allowed);
  if (denied.length > 0) {
    await Promise.all(taken.map((t) => buckets.adjust(t.limit.bucket, -t.amount)));
    // The one that frees up last decides when a retry can succeed.
    const last = denied.reduce((a, b) => (b.state.msBeforeReset > a.state.msBeforeReset ? b : a));
    throw refusal(last, taken);
  }
  let settled = false;
  return {
    headers: rateLimitHeaders(taken),
    async settle(tokensUsed) {
      if (settled) return;
      settled = true;
      const tokens = taken.filter((t) => t.limit.metric === 'tokens' && t.amount !== tokensUsed);
      await Promise.all(tokens.map((t) => buckets.adjust(t.limit.bucket, tokensUsed - t.amount)));
    },
  };
}
