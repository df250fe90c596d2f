import type { RateLimitRow } from '@tollgate/storage';

/** What a call is, as far as limits care: who sends it and for which model. */
export interface LimitSubject {
  keyId: string;
  customerId: string;
  userId: string | null;
  /** The model as the caller named it. */
  model: string;
  /** The key's own limits (set on the key itself). */
  keyRequestsPerMinute: number | null;
  keyTokensPerMinute: number | null;
}

export type LimitMetric = 'requests' | 'tokens';

/** One counter a call draws from: `bucket` names it identically on every instance. */
export interface Limit {
  bucket: string;
  metric: LimitMetric;
  perMinute: number;
  /** For messages: "key key_123", "customer acme, user u1". */
  scope: string;
}

/** A scope's model matches exactly, or by prefix when it ends in `*` (as a key's models do). */
function modelMatches(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model;
}

function matches(rule: RateLimitRow, s: LimitSubject): boolean {
  return (
    (rule.keyId === null || rule.keyId === s.keyId) &&
    (rule.customerId === null || rule.customerId === s.customerId) &&
    (rule.userId === null || rule.userId === s.userId) &&
    (rule.model === null || modelMatches(rule.model, s.model))
  );
}

function describeScope(rule: RateLimitRow): string {
  const parts = [
    rule.keyId === null ? null : `key ${rule.keyId}`,
    rule.customerId === null ? null : `customer ${rule.customerId}`,
    rule.userId === null ? null : `user ${rule.userId}`,
    rule.model === null ? null : `model ${rule.model}`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? 'every call' : parts.join(', ');
}

function both(bucket: string, scope: string, requests: number | null, tokens: number | null): Limit[] {
  const limits: Limit[] = [];
  if (requests !== null)
    limits.push({ bucket: `${bucket}:requests`, metric: 'requests', perMinute: requests, scope });
  if (tokens !== null)
    limits.push({ bucket: `${bucket}:tokens`, metric: 'tokens', perMinute: tokens, scope });
  return limits;
}

/**
 * Every limit that applies to a call: the key's own and each stored rule whose scope matches.
 * A call must fit within all of them. Buckets are named by key or rule id, so that every
 * instance counts the same call in the same counters.
 */
export function applicableLimits(rules: readonly RateLimitRow[], subject: LimitSubject): Limit[] {
  const limits = both(
    `key:${subject.keyId}`,
    `key ${subject.keyId}`,
    subject.keyRequestsPerMinute,
    subject.keyTokensPerMinute,
  );
  for (const rule of rules) {
    if (!matches(rule, subject)) continue;
    limits.push(
      ...both(`rule:${rule.id}`, describeScope(rule), rule.requestsPerMinute, rule.tokensPerMinute),
    );
  }
  return limits;
}
