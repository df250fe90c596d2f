import { z } from 'zod';
import { idSchema, instantOutput } from '../fields.ts';
import { moneyOutput } from '../money.ts';
import { pricedNameSchema } from './plans.ts';
import { ATTRIBUTION_CHARS_MAX } from './usage-events.ts';
import { walletSchema } from './wallets.ts';

export const UNIT_QUANTITY_MAX = 1_000_000;

/**
 * Path of `POST /units/{unit}/events`.
 *
 * @example
 * unitParams.parse({ unit: 'clinical_report' });
 */
export const unitParams = z.object({ unit: pricedNameSchema });

const attributionId = z.string().min(1).max(ATTRIBUTION_CHARS_MAX);

/**
 * Body of `POST /units/{unit}/events`: value units delivered outside the gateway, charged at the
 * plan's unit price × quantity. Send an Idempotency-Key so that a retry charges once.
 *
 * @example
 * unitEventBody.parse({ customer_id: 'acme', quantity: 2, session_id: 'run-42' });
 */
export const unitEventBody = z.strictObject({
  customer_id: idSchema,
  quantity: z.int().min(1).max(UNIT_QUANTITY_MAX).prefault(1),
  session_id: attributionId.optional(),
  trace_id: attributionId.optional(),
  feature: attributionId.optional(),
});

/**
 * A charged value-unit event: `id` is the deduction's transaction (the usage event's
 * `transaction_id`), with the price and the wallet after it.
 *
 * @example
 * unitEventSchema.shape.price;
 */
export const unitEventSchema = z
  .object({
    id: z.string(),
    object: z.literal('unit_event'),
    customer_id: z.string(),
    unit: z.string(),
    quantity: z.int(),
    unit_price: moneyOutput,
    price: moneyOutput,
    session_id: z.string().nullable(),
    transaction_id: z.string(),
    wallet: walletSchema,
    created_at: instantOutput,
  })
  .meta({ id: 'UnitEvent' });
