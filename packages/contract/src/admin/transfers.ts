import { z } from 'zod';
import { idSchema, reasonSchema } from '../fields.ts';
import { moneyInput } from '../money.ts';
import { transactionSchema } from './transactions.ts';
import { walletSchema } from './wallets.ts';

/**
 * Body of `POST /transfers`: moves live credits between two wallets of one customer and unit;
 * the credits keep their expiry and priority.
 *
 * @example
 * createTransferBody.parse({ from_wallet_id: 'wal_a', to_wallet_id: 'wal_b', amount: 1_000_000 });
 */
export const createTransferBody = z.strictObject({
  from_wallet_id: idSchema,
  to_wallet_id: idSchema,
  amount: moneyInput(1),
  reason: reasonSchema.optional(),
});

/**
 * Result of a transfer: the transaction and both wallets after it.
 *
 * @example
 * transferResultSchema.shape.to_wallet;
 */
export const transferResultSchema = transactionSchema
  .extend({ from_wallet: walletSchema, to_wallet: walletSchema })
  .meta({ id: 'TransferResult' });
