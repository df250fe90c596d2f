import { z } from 'zod';
import { idSchema, instantOutput } from '../fields.ts';
import { moneyOutput } from '../money.ts';
import { outcomeSchema } from './outcomes.ts';
import { ATTRIBUTION_CHARS_MAX, usageEventSchema } from './usage-events.ts';

/** The most events a session read returns; its totals always count them all. */
export const SESSION_EVENTS_MAX = 1_000;

/**
 * Path of `GET /sessions/{id}`: a session id is the caller's `x-tollgate-session`.
 *
 * @example
 * sessionParams.parse({ id: 'run-42' });
 */
export const sessionParams = z.object({ id: z.string().min(1).max(ATTRIBUTION_CHARS_MAX) });

/**
 * Query of `GET /sessions/{id}`: session ids are the customer's, so the customer is named.
 *
 * @example
 * sessionQuery.parse({ customer_id: 'acme' });
 */
export const sessionQuery = z.object({ customer_id: idSchema });

/**
 * An agent run: its events, what they cost and were charged, and its outcomes.
 *
 * @example
 * sessionSchema.shape.margin;
 */
export const sessionSchema = z
  .object({
    id: z.string(),
    object: z.literal('session'),
    customer_id: z.string(),
    events: z.array(usageEventSchema),
    has_more_events: z.boolean(),
    requests: z.int(),
    cost: moneyOutput,
    price: moneyOutput,
    margin: moneyOutput,
    started_at: instantOutput.nullable(),
    ended_at: instantOutput.nullable(),
    duration_ms: z.int(),
    outcomes: z.array(outcomeSchema),
  })
  .meta({ id: 'Session' });
