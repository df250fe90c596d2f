import { z } from 'zod';
import { idSchema, instantOutput, NAME_CHARS_MAX, pageQuery } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';

/** Limits of a plan's tables, named so that docs, validation and tests share them. */
export const PLAN_MODEL_PRICES_MAX = 500;
export const PLAN_NAMES_MAX = 200;
export const MARKUP_BPS_MAX = 1_000_000;
export const BPS_MAX = 10_000;

/**
 * A value unit or outcome type name (`clinical_report`, `ticket_resolved`).
 *
 * @example
 * pricedNameSchema.parse('clinical_report');
 */
export const pricedNameSchema = idSchema.meta({ examples: ['clinical_report', 'ticket_resolved'] });

const rate = (what: string) =>
  moneyInput(0).meta({ description: `Micros per 1,000,000 ${what} tokens (300000 = $0.30 per million).` });

const modelPriceInput = z
  .strictObject({
    provider: idSchema
      .optional()
      .meta({ description: 'Only calls served by this provider; any when absent.' }),
    model: z.string().min(1).max(200).meta({ description: 'An exact model name or a family prefix.' }),
    input: rate('input'),
    output: rate('output'),
    cached_input: rate('cache-read input').optional(),
    per_request: moneyInput(0).prefault(0),
  })
  .refine((p) => p.cached_input === undefined || p.cached_input <= p.input, {
    error: 'cached_input must not be above input (the hold assumes a cache read never costs more)',
    path: ['cached_input'],
  });

const pricedTable = (what: string) =>
  z
    .record(pricedNameSchema, moneyInput(0))
    .refine((table) => Object.keys(table).length <= PLAN_NAMES_MAX, {
      error: `must have at most ${PLAN_NAMES_MAX} entries`,
    })
    .meta({ description: `Flat price in micros per ${what}.` });

const sessionInput = z
  .strictObject({
    mode: z.enum(['per_event', 'per_action']),
    action_price: moneyInput(0).optional().meta({ description: 'Charged once per session (per_action).' }),
    cost_cap: moneyInput(1).optional().meta({
      description:
        "The most a session's calls may cost (provider cost); later calls get 429 budget_exceeded.",
    }),
  })
  .refine((s) => s.mode !== 'per_action' || s.action_price !== undefined, {
    error: 'a per_action session needs an action_price',
    path: ['action_price'],
  });

/**
 * Body of `POST /plans`: what a customer is charged. Every field is optional; an empty plan is
 * pass-through (price = cost). Money is integer micros, markups and discounts basis points.
 *
 * @example
 * createPlanBody.parse({ name: 'Pro', markup_bps: 2500, minimum_charge: 100, is_default: true });
 * createPlanBody.parse({ units: { clinical_report: 2_000_000 } });
 * createPlanBody.parse({ outcomes: { ticket_resolved: 1_500_000 } });
 */
export const createPlanBody = z.strictObject({
  id: idSchema.optional().meta({ description: 'Your own id; generated (plan_…) when absent.' }),
  name: z.string().min(1).max(NAME_CHARS_MAX).optional(),
  is_default: z
    .boolean()
    .prefault(false)
    .meta({ description: 'The plan of every customer with none assigned.' }),
  markup_bps: z
    .int()
    .min(0)
    .max(MARKUP_BPS_MAX)
    .prefault(0)
    .meta({ description: 'Price = cost × (1 + markup_bps / 10000): 2500 is +25 %.' }),
  model_prices: z.array(modelPriceInput).max(PLAN_MODEL_PRICES_MAX).prefault([]),
  minimum_charge: moneyInput(0).prefault(0).meta({ description: 'The least a charged call costs.' }),
  free_allowance: z
    .strictObject({ amount: moneyInput(1), period: z.enum(['day', 'week', 'month']) })
    .optional()
    .meta({ description: 'Free credits per UTC period: a promo grant that expires at the period end.' }),
  cached_hit_bps: z
    .int()
    .min(0)
    .max(BPS_MAX)
    .optional()
    .meta({ description: 'A cache hit costs this share of the miss price (5000 = 50 %).' }),
  units: pricedTable('value unit').prefault({}),
  session: sessionInput.optional(),
  outcomes: pricedTable('outcome; a plan with outcomes prices its calls 0').prefault({}),
});

/**
 * A price plan as the API returns it.
 *
 * @example
 * planSchema.shape.markup_bps;
 */
export const planSchema = z
  .object({
    id: z.string(),
    object: z.literal('plan'),
    name: z.string().nullable(),
    is_default: z.boolean(),
    markup_bps: z.int(),
    model_prices: z.array(
      z.object({
        provider: z.string().nullable(),
        model: z.string(),
        input: moneyOutput,
        output: moneyOutput,
        cached_input: moneyOutput.nullable(),
        per_request: moneyOutput,
      }),
    ),
    minimum_charge: moneyOutput,
    free_allowance: z.object({ amount: moneyOutput, period: z.enum(['day', 'week', 'month']) }).nullable(),
    cached_hit_bps: z.int().nullable(),
    units: z.record(z.string(), moneyOutput),
    session: z
      .object({
        mode: z.enum(['per_event', 'per_action']),
        action_price: moneyOutput.nullable(),
        cost_cap: moneyOutput.nullable(),
      })
      .nullable(),
    outcomes: z.record(z.string(), moneyOutput),
    created_at: instantOutput,
  })
  .meta({ id: 'Plan' });

/**
 * Query of `GET /plans`.
 *
 * @example
 * listPlansQuery.parse({ limit: '10' });
 */
export const listPlansQuery = pageQuery;

/**
 * Body of `PUT /customers/{id}/plan`.
 *
 * @example
 * assignPlanBody.parse({ plan_id: 'pro' });
 */
export const assignPlanBody = z.strictObject({ plan_id: idSchema });

/**
 * A customer's plan assignment.
 *
 * @example
 * customerPlanSchema.shape.plan_id;
 */
export const customerPlanSchema = z
  .object({
    object: z.literal('customer_plan'),
    customer_id: z.string(),
    plan_id: z.string(),
    assigned_at: instantOutput,
  })
  .meta({ id: 'CustomerPlan' });
