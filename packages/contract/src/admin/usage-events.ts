import { z } from 'zod';
import { idSchema, instantOutput, pageQuery } from '../fields.ts';
import { moneyOutput } from '../money.ts';

/** Gateway attribution values (session, request ids) are header values of at most this length. */
export const ATTRIBUTION_CHARS_MAX = 255;

const attributionValue = z.string().min(1).max(ATTRIBUTION_CHARS_MAX);

/**
 * Query of `GET /usage-events`, read in the order the events were written.
 *
 * @example
 * listUsageEventsQuery.parse({ customer_id: 'acme', session_id: 'run-42' });
 */
export const listUsageEventsQuery = pageQuery.extend({
  customer_id: idSchema.optional(),
  request_id: attributionValue.optional(),
  session_id: attributionValue.optional(),
});

const tokens = z.int().min(0);

/**
 * One metered call. Input counts include cache reads and writes and output counts include
 * reasoning: cached, cache-write and reasoning counts are parts of those totals.
 *
 * @example
 * usageEventSchema.shape.margin; // price − cost, integer micros
 */
export const usageEventSchema = z
  .object({
    id: z.string(),
    object: z.literal('usage_event'),
    request_id: z.string(),
    customer_id: z.string(),
    team_id: z.string().nullable(),
    user_id: z.string().nullable(),
    feature: z.string().nullable(),
    session_id: z.string().nullable(),
    trace_id: z.string().nullable(),
    tags: z.record(z.string(), z.string()).nullable(),
    key_id: z.string().nullable(),
    wallet_id: z.string(),
    provider: z.string(),
    model: z.string(),
    api: z.string(),
    value_unit: z.string().nullable().meta({ description: 'The value unit the call was (x-tollgate-unit).' }),
    input_tokens: tokens,
    output_tokens: tokens,
    cached_input_tokens: tokens,
    cache_creation_input_tokens: tokens,
    reasoning_tokens: tokens,
    estimated: z.boolean().meta({ description: 'Some count was made by Tollgate, not reported upstream.' }),
    cost: moneyOutput.meta({ description: 'What the provider charges, integer micros of unit.' }),
    price: moneyOutput.meta({ description: 'What the customer pays, integer micros of unit.' }),
    margin: moneyOutput.meta({ description: 'price − cost; negative when sold below cost.' }),
    unit: z.string(),
    cache_status: z.enum(['miss', 'hit', 'semantic']),
    status: z.enum(['ok', 'client_aborted', 'upstream_failed', 'hold_exhausted']),
    latency_ms: z.int().min(0),
    upstream_request_id: z.string().nullable(),
    hold_id: z.string().nullable(),
    transaction_id: z.string().nullable(),
    created_at: instantOutput,
  })
  .meta({ id: 'UsageEvent' });
