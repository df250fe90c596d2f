import { z } from 'zod';
import { idSchema, instantOutput, pageQuery, unitSchema } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';

/**
 * What a capture above its hold does.
 *
 * @example
 * capturePolicySchema.parse('cap');
 */
export const capturePolicySchema = z.enum(['reject', 'cap', 'overflow']).meta({
  description: 'What a capture above its hold does: refuse, capture only the hold, or debit the excess too.',
});

/**
 * Body of `POST /wallets`.
 *
 * @example
 * createWalletBody.parse({ customer_id: 'acme', unit: 'usd' });
 * // { customer_id: 'acme', unit: 'usd', overdraft_limit: 0n, capture_policy: 'reject' }
 */
export const createWalletBody = z.strictObject({
  id: idSchema.optional().meta({ description: 'Your own id for the wallet; one is generated when absent.' }),
  customer_id: idSchema,
  unit: unitSchema,
  team_id: idSchema.optional(),
  overdraft_limit: moneyInput(0).prefault(0),
  capture_policy: capturePolicySchema.default('reject'),
});

/**
 * Body of `PATCH /wallets/{id}`: only the fields given change.
 *
 * @example
 * updateWalletBody.parse({ status: 'frozen' });
 */
export const updateWalletBody = z.strictObject({
  status: z.enum(['active', 'frozen']).optional(),
  overdraft_limit: moneyInput(0).optional(),
  capture_policy: capturePolicySchema.optional(),
});

/**
 * Query of `GET /wallets`.
 *
 * @example
 * listWalletsQuery.parse({ customer_id: 'acme' });
 */
export const listWalletsQuery = pageQuery.extend({ customer_id: idSchema.optional() });

/**
 * A wallet: `balance` is posted, `pending` is held, `available` = balance − pending.
 *
 * @example
 * walletSchema.shape.available; // integer micros
 */
export const walletSchema = z
  .object({
    id: z.string(),
    object: z.literal('wallet'),
    customer_id: z.string(),
    team_id: z.string().nullable(),
    unit: z.string(),
    overdraft_limit: moneyOutput,
    capture_policy: capturePolicySchema,
    status: z.enum(['active', 'frozen']),
    balance: moneyOutput,
    pending: moneyOutput,
    available: moneyOutput,
    owed: moneyOutput.meta({
      description: 'Captured beyond the overdraft and not yet paid; the next grant repays it first.',
    }),
    created_at: instantOutput,
    updated_at: instantOutput,
  })
  .meta({ id: 'Wallet' });
