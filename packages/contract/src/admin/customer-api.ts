import { z } from 'zod';
import { idSchema, instantOutput, listOf } from '../fields.ts';
import { moneyOutput } from '../money.ts';
import { budgetSchema } from './budgets.ts';
import { usageQueryInput, usageReportSchema, usageRowSchema } from './usage.ts';

/** Limits of a customer token's life: short, since a browser holds it and it cannot be revoked. */
export const CUSTOMER_TOKEN_TTL_S_MIN = 1;
export const CUSTOMER_TOKEN_TTL_S_MAX = 86_400;
export const CUSTOMER_TOKEN_TTL_S_DEFAULT = 900;
/** The most events `GET /customers/{id}/events` answers with. */
export const CUSTOMER_EVENTS_LIMIT_MAX = 100;
/** A budget is `warning` from this share used (percent) and `exceeded` from 100. */
export const BUDGET_WARNING_PERCENT = 80;

/**
 * Body of `POST /customer-tokens`: who the token reads for, and for how long.
 *
 * @example
 * createCustomerTokenBody.parse({ customer_id: 'acme', user_id: 'u_1', ttl_s: 600 });
 */
export const createCustomerTokenBody = z.strictObject({
  customer_id: idSchema,
  user_id: idSchema.optional().meta({ description: "Narrows usage and events to this user's own." }),
  ttl_s: z
    .int()
    .min(CUSTOMER_TOKEN_TTL_S_MIN)
    .max(CUSTOMER_TOKEN_TTL_S_MAX)
    .default(CUSTOMER_TOKEN_TTL_S_DEFAULT)
    .meta({
      description: `Seconds until it expires, ${CUSTOMER_TOKEN_TTL_S_MIN}..${CUSTOMER_TOKEN_TTL_S_MAX}.`,
    }),
});

/**
 * A minted customer token: a JWT to hand to the browser (never the admin key).
 *
 * @example
 * customerTokenSchema.shape.token; // 'eyJhbGciOiJFUzI1NiIs…'
 */
export const customerTokenSchema = z
  .object({
    object: z.literal('customer_token'),
    token: z.string(),
    customer_id: z.string(),
    user_id: z.string().nullable(),
    kid: z.string().meta({ description: 'The signing key, listed in the JWKS.' }),
    expires_at: instantOutput,
  })
  .meta({ id: 'CustomerToken' });

/**
 * The signing key that took over after a rotation.
 *
 * @example
 * customerTokenKeySchema.shape.kid;
 */
export const customerTokenKeySchema = z
  .object({
    object: z.literal('customer_token_key'),
    kid: z.string(),
    algorithm: z.string(),
    created_at: instantOutput,
  })
  .meta({ id: 'CustomerTokenKey' });

/**
 * The public keys that verify customer tokens (RFC 7517 JWK Set).
 *
 * @example
 * jwksSchema.parse({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'ctk_…', x: '…', y: '…' }] });
 */
export const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'Jwks' });

/**
 * One wallet as the customer sees it, with the lots that expire soon.
 *
 * @example
 * customerWalletSchema.shape.expiring_soon;
 */
export const customerWalletSchema = z.object({
  id: z.string(),
  unit: z.string(),
  team_id: z.string().nullable(),
  balance: moneyOutput,
  pending: moneyOutput,
  available: moneyOutput,
  owed: moneyOutput,
  expiring_soon: z
    .array(z.object({ grant_id: z.string(), amount: moneyOutput, expires_at: instantOutput }))
    .meta({ description: 'Lots with credits left that expire within 30 days, soonest first.' }),
});

/**
 * The answer of `GET /customers/{id}/balance`.
 *
 * @example
 * customerBalanceSchema.parse(await client.balance());
 */
export const customerBalanceSchema = z
  .object({
    object: z.literal('customer_balance'),
    customer_id: z.string(),
    wallets: z.array(customerWalletSchema),
    updated_at: instantOutput,
  })
  .meta({ id: 'CustomerBalance' });

/**
 * Query of `GET /customers/{id}/usage`: the admin usage query without the customer (the path
 * names it) and without what only the vendor may rank by (cost, margin).
 *
 * @example
 * customerUsageQuery.parse({ granularity: 'day', group_by: 'feature' });
 */
export const customerUsageQuery = usageQueryInput
  .pick({ from: true, to: true, granularity: true, tz: true, group_by: true, limit: true })
  .extend({
    team_id: usageQueryInput.shape.team_id,
    user_id: usageQueryInput.shape.user_id,
    feature: usageQueryInput.shape.feature,
    model: usageQueryInput.shape.model,
    order_by: z.enum(['price', 'requests']).default('price'),
  });

/**
 * A usage row for the customer: cost, margin and cache_savings are present only for the admin key.
 *
 * @example
 * customerUsageRowSchema.shape.price;
 */
export const customerUsageRowSchema = usageRowSchema
  .extend({
    cost: moneyOutput.optional(),
    margin: moneyOutput.optional(),
    cache_savings: moneyOutput.optional(),
  })
  .meta({ id: 'CustomerUsageRow' });

/**
 * The answer of `GET /customers/{id}/usage`.
 *
 * @example
 * customerUsageSchema.parse(await client.usage({ granularity: 'day' }));
 */
export const customerUsageSchema = usageReportSchema
  .extend({ customer_id: z.string(), data: z.array(customerUsageRowSchema) })
  .meta({ id: 'CustomerUsage' });

/**
 * A budget with its usage flattened and a health the UI can colour.
 *
 * @example
 * customerBudgetSchema.shape.health; // 'ok' | 'warning' | 'exceeded'
 */
export const customerBudgetSchema = budgetSchema
  .extend({
    spent: moneyOutput,
    pending: moneyOutput,
    remaining: moneyOutput,
    period_key: z.string(),
    resets_at: instantOutput,
    health: z.enum(['ok', 'warning', 'exceeded']).meta({
      description: `warning from ${BUDGET_WARNING_PERCENT}% of amount spent or held, exceeded from 100%.`,
    }),
  })
  .meta({ id: 'CustomerBudget' });

/**
 * Query of `GET /customers/{id}/events`.
 *
 * @example
 * customerEventsQuery.parse({ limit: '10' }); // { limit: 10 }
 */
export const customerEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(CUSTOMER_EVENTS_LIMIT_MAX).default(20),
});

/**
 * One metered call as the customer sees it (cost only for the admin key).
 *
 * @example
 * customerEventSchema.shape.price;
 */
export const customerEventSchema = z
  .object({
    id: z.string(),
    object: z.literal('usage_event'),
    request_id: z.string(),
    team_id: z.string().nullable(),
    user_id: z.string().nullable(),
    feature: z.string().nullable(),
    session_id: z.string().nullable(),
    provider: z.string(),
    model: z.string(),
    input_tokens: z.int(),
    output_tokens: z.int(),
    cached_input_tokens: z.int(),
    reasoning_tokens: z.int(),
    price: moneyOutput,
    cost: moneyOutput.optional(),
    unit: z.string(),
    cache_status: z.string(),
    status: z.string(),
    created_at: instantOutput,
  })
  .meta({ id: 'CustomerEvent' });

/**
 * The answer of `GET /customers/{id}/events`, newest first.
 *
 * @example
 * customerEventsSchema.parse(await client.events());
 */
export const customerEventsSchema = listOf(customerEventSchema);

/**
 * Query of `GET /customers/{id}/stream`: EventSource cannot send headers, so the token may come here.
 *
 * @example
 * customerStreamQuery.parse({ token: 'eyJ…' });
 */
export const customerStreamQuery = z.object({ token: z.string().max(4096).optional() });
