import { z } from 'zod';
import { idSchema, instantOutput, pageQuery } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';
import { MODEL_CHARS_MAX } from './providers.ts';

/** The longest IANA time zone name accepted (the longest known is 30 characters). */
export const TIMEZONE_CHARS_MAX = 64;

function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Who a budget applies to: the customer, narrowed by each other field given (a call must match
 * every one).
 *
 * @example
 * budgetScopeSchema.parse({ customer_id: 'acme', team_id: 'research', user_id: 'ana' });
 */
export const budgetScopeSchema = z.strictObject({
  customer_id: idSchema,
  team_id: idSchema.optional(),
  user_id: idSchema.optional(),
  feature: idSchema.optional(),
  model: z.string().min(1).max(MODEL_CHARS_MAX).optional(),
  key_id: idSchema.optional(),
  session_id: idSchema.optional(),
});

/**
 * Body of `POST /budgets`: an amount per period on a scope. `hour` is a rolling 60 minutes;
 * `day`, `week` (ISO, from Monday) and `month` follow `timezone` (IANA, default UTC). A `hard`
 * budget refuses calls with 429 budget_exceeded; a `soft` one lets them through with
 * `x-tollgate-budget: warning`.
 *
 * @example
 * createBudgetBody.parse({ scope: { customer_id: 'acme' }, period: 'month', amount: 50_000_000, mode: 'hard', timezone: 'Europe/Paris' });
 */
export const createBudgetBody = z.strictObject({
  scope: budgetScopeSchema,
  period: z.enum(['hour', 'day', 'week', 'month']),
  amount: moneyInput(0),
  mode: z.enum(['soft', 'hard']),
  timezone: z
    .string()
    .max(TIMEZONE_CHARS_MAX)
    .refine(knownZone, { error: 'must be an IANA time zone such as Europe/Paris' })
    .default('UTC'),
});

/**
 * Query of `GET /budgets`.
 *
 * @example
 * listBudgetsQuery.parse({ customer_id: 'acme' });
 */
export const listBudgetsQuery = pageQuery.extend({ customer_id: idSchema.optional() });

/**
 * A budget with where it stands in its current period.
 *
 * @example
 * budgetSchema.shape.usage;
 */
export const budgetSchema = z
  .object({
    id: z.string(),
    object: z.literal('budget'),
    scope: z.object({
      customer_id: z.string(),
      team_id: z.string().nullable(),
      user_id: z.string().nullable(),
      feature: z.string().nullable(),
      model: z.string().nullable(),
      key_id: z.string().nullable(),
      session_id: z.string().nullable(),
    }),
    period: z.enum(['hour', 'day', 'week', 'month']),
    amount: moneyOutput,
    mode: z.enum(['soft', 'hard']),
    timezone: z.string(),
    status: z.enum(['active', 'archived']),
    usage: z.object({
      period_key: z.string(),
      spent: moneyOutput,
      pending: moneyOutput.meta({ description: 'Held by calls in flight.' }),
      remaining: moneyOutput.meta({ description: 'amount − spent − pending, never below 0.' }),
      starts_at: instantOutput,
      resets_at: instantOutput.meta({
        description: 'When the period ends (the rolling hour: when it next moves).',
      }),
    }),
    created_at: instantOutput,
    archived_at: instantOutput.nullable(),
  })
  .meta({ id: 'Budget' });
