import { z } from 'zod';
import { metadataSchema, reasonSchema, unitSchema } from '../fields.ts';
import { moneyInput } from '../money.ts';
import { transactionSchema } from './transactions.ts';
import { walletSchema } from './wallets.ts';

/**
 * Body of `POST /wallets/{id}/deductions`: spend credits now, without a hold.
 *
 * @example
 * createDeductionBody.parse({ amount: 250_000, reason: 'report #12' });
 */
export const createDeductionBody = z.strictObject({
  amount: moneyInput(1),
  unit: unitSchema.optional().meta({ description: 'When given, must match the wallet unit.' }),
  reason: reasonSchema.optional(),
  metadata: metadataSchema.optional(),
});

/**
 * Result of a deduction: the transaction and the wallet after it.
 *
 * @example
 * deductionResultSchema.shape.wallet;
 */
export const deductionResultSchema = transactionSchema
  .extend({ wallet: walletSchema })
  .meta({ id: 'DeductionResult' });
