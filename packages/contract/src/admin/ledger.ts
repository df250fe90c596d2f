import { z } from 'zod';
import { moneyOutput } from '../money.ts';
import { transactionSchema } from './transactions.ts';
import { walletSchema } from './wallets.ts';

/**
 * Result of `GET /ledger/verify`: `ok` when the journal and balances agree.
 *
 * @example
 * verificationSchema.parse({ object: 'ledger_verification', ok: true, violations: [] });
 */
export const verificationSchema = z
  .object({
    object: z.literal('ledger_verification'),
    ok: z.boolean(),
    violations: z.array(z.object({ code: z.string(), subject: z.string(), message: z.string() })),
  })
  .meta({ id: 'LedgerVerification' });

/**
 * Result of `POST /ledger/expire`: what settling the due expiries did.
 *
 * @example
 * expirySummarySchema.parse({ object: 'expiry_summary', wallets: 1, holds_expired: 2, breakage: 0 });
 */
export const expirySummarySchema = z
  .object({
    object: z.literal('expiry_summary'),
    wallets: z.int().meta({ description: 'Wallets that had something due.' }),
    holds_expired: z.int(),
    breakage: moneyOutput.meta({ description: 'Micros of expired credits, summed over all units.' }),
  })
  .meta({ id: 'ExpirySummary' });

/**
 * Result of `POST /transactions/{id}/reverse`: the reversal and the wallets it changed.
 *
 * @example
 * reversalResultSchema.shape.wallets;
 */
export const reversalResultSchema = transactionSchema
  .extend({ wallets: z.array(walletSchema) })
  .meta({ id: 'ReversalResult' });
