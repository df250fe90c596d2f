import { z } from 'zod';
import { idSchema, instantOutput } from '../fields.ts';
import { modelPatternSchema, perMinuteSchema } from './keys.ts';

/**
 * Who a rate limit applies to: every field given must match a call (an empty scope limits every
 * call through the gateway). `model` is the model as callers name it, or a prefix ending in `*`.
 *
 * @example
 * rateLimitScopeSchema.parse({ customer_id: 'acme', user_id: 'u_1' });
 */
export const rateLimitScopeSchema = z.strictObject({
  customer_id: idSchema.optional(),
  user_id: idSchema.optional(),
  model: modelPatternSchema.optional(),
  key_id: idSchema.optional(),
});

/**
 * Body of `POST /rate-limits`: the limits of one scope. Posting the same scope again replaces
 * its limits (a limit left out is removed); DELETE removes the scope's row.
 *
 * @example
 * createRateLimitBody.parse({ scope: { customer_id: 'acme' }, requests_per_minute: 600 });
 */
export const createRateLimitBody = z
  .strictObject({
    scope: rateLimitScopeSchema,
    requests_per_minute: perMinuteSchema.optional(),
    tokens_per_minute: perMinuteSchema.optional().meta({
      description: 'Prompt plus output tokens; a call is admitted only if its prompt and max output fit.',
    }),
  })
  .refine((b) => b.requests_per_minute !== undefined || b.tokens_per_minute !== undefined, {
    error: 'set requests_per_minute, tokens_per_minute or both',
    path: ['requests_per_minute'],
  });

/**
 * A stored rate limit.
 *
 * @example
 * rateLimitSchema.shape.scope;
 */
export const rateLimitSchema = z
  .object({
    id: z.string(),
    object: z.literal('rate_limit'),
    scope: z.object({
      customer_id: z.string().nullable(),
      user_id: z.string().nullable(),
      model: z.string().nullable(),
      key_id: z.string().nullable(),
    }),
    requests_per_minute: z.number().int().nullable(),
    tokens_per_minute: z.number().int().nullable(),
    created_at: instantOutput,
    updated_at: instantOutput,
  })
  .meta({ id: 'RateLimit' });

/**
 * The answer to `DELETE /rate-limits/{id}`.
 *
 * @example
 * deletedRateLimitSchema.parse({ id: 'rl_1', object: 'rate_limit', deleted: true });
 */
export const deletedRateLimitSchema = z
  .object({ id: z.string(), object: z.literal('rate_limit'), deleted: z.literal(true) })
  .meta({ id: 'DeletedRateLimit' });
