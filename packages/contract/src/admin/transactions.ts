import type { TransactionType } from '@tollgate/domain';
import { z } from 'zod';
import { idSchema, instantInput, instantOutput, pageQuery, reasonSchema } from '../fields.ts';
import { moneyOutput } from '../money.ts';

export const TRANSACTION_TYPES = [
  'grant',
  'deduction',
  'hold',
  'release',
  'capture',
  'partial_capture',
  'partial_release',
  'overflow',
  'hold_expiry',
  'transfer',
  'breakage',
  'reversal',
  'owed',
] as const satisfies readonly TransactionType[];

// Every journal type of the domain must be listed above: this fails to compile otherwise.
type _AllTypesListed =
  Exclude<TransactionType, (typeof TRANSACTION_TYPES)[number]> extends never ? true : never;
const _allTypesListed: _AllTypesListed = true;

const transactionType = z.enum(TRANSACTION_TYPES);

function isTypeList(text: string): boolean {
  return text.split(',').every((type) => (TRANSACTION_TYPES as readonly string[]).includes(type));
}

/**
 * Query of `GET /transactions`: `type` is one type or several separated by commas; `from` is
 * inclusive and `to` exclusive.
 *
 * @example
 * listTransactionsQuery.parse({ wallet_id: 'wal_1', type: 'grant,deduction' });
 */
export const listTransactionsQuery = pageQuery
  .extend({
    wallet_id: idSchema.optional(),
    type: z
      .string()
      .refine(isTypeList, {
        error: `must be one or more of ${TRANSACTION_TYPES.join(', ')}, separated by commas`,
      })
      .transform((text) => text.split(',') as TransactionType[])
      .optional()
      .meta({ description: `Comma-separated: ${TRANSACTION_TYPES.join(', ')}.` }),
    from: instantInput.optional(),
    to: instantInput.optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    error: 'must be after from',
    path: ['to'],
  });

/**
 * A journal transaction. Amounts are positive; entries (on the single GET) carry the signs.
 *
 * @example
 * transactionSchema.shape.type;
 */
export const transactionSchema = z
  .object({
    id: z.string(),
    object: z.literal('transaction'),
    type: transactionType,
    wallet_id: z.string(),
    counter_wallet_id: z.string().nullable(),
    amount: moneyOutput,
    hold_id: z.string().nullable(),
    reverses_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    reason: z.string().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    created_at: instantOutput,
  })
  .meta({ id: 'Transaction' });

/**
 * One posting: `account` is `wallet:<id>` or a system account (`issuance:<unit>`, `revenue:<unit>`,
 * `breakage:<unit>`); a transaction's entries sum to zero.
 *
 * @example
 * entrySchema.parse({ account: 'revenue:usd', wallet_id: null, lot_id: null, amount: 5 });
 */
export const entrySchema = z
  .object({
    account: z.string(),
    wallet_id: z.string().nullable(),
    lot_id: z.string().nullable(),
    amount: moneyOutput,
  })
  .meta({ id: 'Entry' });

/**
 * A transaction with its postings (`GET /transactions/{id}`).
 *
 * @example
 * transactionWithEntriesSchema.shape.entries;
 */
export const transactionWithEntriesSchema = transactionSchema
  .extend({ entries: z.array(entrySchema) })
  .meta({ id: 'TransactionWithEntries' });

/**
 * Body of `POST /transactions/{id}/reverse`.
 *
 * @example
 * reverseBody.parse({ reason: 'charged twice' });
 */
export const reverseBody = z.strictObject({ reason: reasonSchema.optional() });
