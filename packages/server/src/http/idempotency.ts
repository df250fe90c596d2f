import { createHash } from 'node:crypto';
import { idempotencyHeaders, parseInput } from '@tollgate/contract';
import type { Context } from 'hono';
import { ApiError } from '../errors.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The validated Idempotency-Key header, or null when the caller sent none. */
export function readIdempotencyKey(c: Context): string | null {
  const value = c.req.header(IDEMPOTENCY_HEADER);
  if (value === undefined) return null;
  const parsed = parseInput(idempotencyHeaders, { [IDEMPOTENCY_HEADER]: value });
  if (!parsed.ok) throw new ApiError('parameter_invalid', parsed.problem.message, IDEMPOTENCY_HEADER);
  return parsed.data[IDEMPOTENCY_HEADER];
}

/**
 * JSON with object keys sorted and bigints as tagged strings: equal requests give equal text
 * whatever their key order, and `100` and `"100"` (both 100n once validated) hash alike.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * The digest the ledger stores with an idempotency key: over the operation, its path parameters
 * and its validated body, so that a replay with another request under the same key is refused.
 */
export function requestHash(operation: string, params: unknown, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ operation, params, body })).digest('hex');
}
