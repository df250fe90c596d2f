import { z } from 'zod';
import { instantOutput, metadataSchema, reasonSchema, unitSchema } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';
import { transactionSchema } from './transactions.ts';
import { capturePolicySchema, walletSchema } from './wallets.ts';

export const HOLD_TTL_MS_MIN = 1_000;
export const HOLD_TTL_MS_MAX = 604_800_000;
export const HOLD_TTL_MS_DEFAULT = 600_000;

/**
 * Body of `POST /wallets/{id}/holds`: reserve credits until captured, released or expired.
 *
 * @example
 * createHoldBody.parse({ amount: 2_000_000, ttl_ms: 60_000 });
 */
export const createHoldBody = z.strictObject({
  amount: moneyInput(1),
  unit: unitSchema.optional().meta({ description: 'When given, must match the wallet unit.' }),
  ttl_ms: z.int().min(HOLD_TTL_MS_MIN).max(HOLD_TTL_MS_MAX).default(HOLD_TTL_MS_DEFAULT),
  capture_policy: capturePolicySchema.optional().meta({ description: "Defaults to the wallet's policy." }),
  metadata: metadataSchema.optional(),
});

/**
 * Body of `POST /holds/{id}/capture`: `amount` defaults to the held amount.
 *
 * @example
 * captureBody.parse({ amount: 1_200_000 });
 */
export const captureBody = z.strictObject({
  amount: moneyInput(0).optional(),
  reason: reasonSchema.optional(),
});

/**
 * A hold.
 *
 * @example
 * holdSchema.shape.status; // 'open' | 'captured' | 'released' | 'expired'
 */
export const holdSchema = z
  .object({
    id: z.string(),
    object: z.literal('hold'),
    wallet_id: z.string(),
    amount: moneyOutput,
    captured_amount: moneyOutput,
    status: z.enum(['open', 'captured', 'released', 'expired']),
    capture_policy: capturePolicySchema,
    expires_at: instantOutput,
    created_at: instantOutput,
    resolved_at: instantOutput.nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
  })
  .meta({ id: 'Hold' });

/**
 * Result of placing or releasing a hold: the hold and its wallet after it.
 *
 * @example
 * holdResultSchema.shape.wallet;
 */
export const holdResultSchema = holdSchema.extend({ wallet: walletSchema }).meta({ id: 'HoldResult' });

/**
 * Result of a capture: the hold, the transactions it posted (a capture, and an overflow when it
 * went above the hold) and the wallet after it.
 *
 * @example
 * captureResultSchema.shape.transactions;
 */
export const captureResultSchema = holdSchema
  .extend({ transactions: z.array(transactionSchema), wallet: walletSchema })
  .meta({ id: 'CaptureResult' });
