import type { RateLimitRow } from './rate-limit-store.ts';
import { numOrNull, type Row, strOrNull } from './rows.ts';

/** The unique text of a scope, so that "the same scope" is one row whichever instance writes it. */
export const rateLimitScopeKey = (r: Pick<RateLimitRow, 'customerId' | 'userId' | 'model' | 'keyId'>) =>
  JSON.stringify([r.customerId, r.userId, r.model, r.keyId]);

export const RATE_LIMIT_COLUMNS = [
  'id',
  'scope_key',
  'customer_id',
  'user_id',
  'model',
  'key_id',
  'requests_per_minute',
  'tokens_per_minute',
  'created_at',
  'updated_at',
] as const;

export const rateLimitValues = (r: RateLimitRow): unknown[] => [
  r.id,
  rateLimitScopeKey(r),
  r.customerId,
  r.userId,
  r.model,
  r.keyId,
  r.requestsPerMinute,
  r.tokensPerMinute,
  r.createdAt,
  r.updatedAt,
];

export const toRateLimit = (r: Row): RateLimitRow => ({
  id: String(r.id),
  customerId: strOrNull(r.customer_id),
  userId: strOrNull(r.user_id),
  model: strOrNull(r.model),
  keyId: strOrNull(r.key_id),
  requestsPerMinute: numOrNull(r.requests_per_minute),
  tokensPerMinute: numOrNull(r.tokens_per_minute),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
