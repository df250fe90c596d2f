import { z } from 'zod';
import { idSchema, instantOutput } from '../fields.ts';
import { moneyOutput } from '../money.ts';
import { pricedNameSchema } from './plans.ts';
import { ATTRIBUTION_CHARS_MAX } from './usage-events.ts';

const attributionId = z.string().min(1).max(ATTRIBUTION_CHARS_MAX);

/**
 * Body of `POST /outcomes`: a business event (a resolved ticket) of a session or a trace. The
 * customer's plan prices it; send an Idempotency-Key so that a retry charges once.
 *
 * @example
 * createOutcomeBody.parse({ type: 'ticket_resolved', customer_id: 'acme', session_id: 'run-42' });
 */
export const createOutcomeBody = z
  .strictObject({
    type: pricedNameSchema,
    customer_id: idSchema,
    session_id: attributionId.optional(),
    trace_id: attributionId.optional(),
  })
  .refine((o) => o.session_id !== undefined || o.trace_id !== undefined, {
    error: 'name the session_id (or trace_id) the outcome belongs to',
    path: ['session_id'],
  });

/**
 * An outcome and what it charged.
 *
 * @example
 * outcomeSchema.shape.price;
 */
export const outcomeSchema = z
  .object({
    id: z.string(),
    object: z.literal('outcome'),
    customer_id: z.string(),
    type: z.string(),
    session_id: z.string().nullable(),
    trace_id: z.string().nullable(),
    price: moneyOutput,
    transaction_id: z.string().nullable(),
    created_at: instantOutput,
  })
  .meta({ id: 'Outcome' });
