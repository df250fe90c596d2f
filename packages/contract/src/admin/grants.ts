import { z } from 'zod';
import { instantInput, instantOutput, metadataSchema, reasonSchema, unitSchema } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';
import { walletSchema } from './wallets.ts';

export const GRANT_PRIORITY_MAX = 1000;
export const GRANT_PRIORITY_DEFAULT = 50;

/**
 * Body of `POST /wallets/{id}/grants`. `expires_at` must be in the future; `priority` orders lots
 * of equal expiry (lower is spent first).
 *
 * @example
 * createGrantBody.parse({ amount: '5000000', expires_at: '2030-01-01T00:00:00Z' });
 */
export const createGrantBody = z.strictObject({
  amount: moneyInput(1),
  unit: unitSchema.optional().meta({ description: 'When given, must match the wallet unit.' }),
  source: z.enum(['purchase', 'promo', 'rollover', 'adjustment']).default('purchase'),
  expires_at: instantInput.refine((ms) => ms > Date.now(), { error: 'must be in the future' }).optional(),
  priority: z.int().min(0).max(GRANT_PRIORITY_MAX).default(GRANT_PRIORITY_DEFAULT),
  reason: reasonSchema.optional(),
  metadata: metadataSchema.optional(),
});

/**
 * A grant: one lot of credits, with what is left of it.
 *
 * @example
 * grantSchema.shape.remaining; // integer micros
 */
export const grantSchema = z
  .object({
    id: z.string(),
    object: z.literal('grant'),
    wallet_id: z.string(),
    transaction_id: z.string(),
    amount: moneyOutput,
    remaining: moneyOutput,
    source: z.enum(['purchase', 'promo', 'rollover', 'adjustment', 'transfer']),
    expires_at: instantOutput.nullable(),
    priority: z.int(),
    created_at: instantOutput,
  })
  .meta({ id: 'Grant' });

/**
 * Result of a grant: the new lot and the wallet after it.
 *
 * @example
 * grantResultSchema.shape.wallet;
 */
export const grantResultSchema = grantSchema.extend({ wallet: walletSchema }).meta({ id: 'GrantResult' });
