import { z } from 'zod';
import { idSchema, instantInput, instantOutput, NAME_CHARS_MAX, pageQuery } from '../fields.ts';
import { MODEL_CHARS_MAX } from './providers.ts';

/** The largest per-minute rate limit accepted (a billion tokens a minute is no limit at all). */
export const PER_MINUTE_MAX = 1_000_000_000;

/**
 * A requests- or tokens-per-minute limit, on a key or a scope: a whole number from 1 to PER_MINUTE_MAX.
 *
 * @example
 * perMinuteSchema.parse(60);
 */
export const perMinuteSchema = z.int().min(1).max(PER_MINUTE_MAX);

/** At most this many model patterns per key. */
export const KEY_MODELS_MAX = 100;

/**
 * A model a key may call: an exact name, or a prefix ending in `*` (`gpt-4o*`).
 *
 * @example
 * modelPatternSchema.parse('claude-*');
 */
export const modelPatternSchema = z
  .string()
  .min(1)
  .max(MODEL_CHARS_MAX)
  .regex(/^[^\s*]+\*?$/, {
    error: 'must be a model name, or a prefix followed by one final * (e.g. gpt-4o*)',
  });

/**
 * Body of `POST /keys`: a virtual key bound to a customer and, optionally, to a team, a user, a
 * feature, a wallet and a list of models. Headers on a call can narrow these, never widen them.
 *
 * @example
 * createKeyBody.parse({ customer_id: 'acme', models: ['gpt-4o*'], name: 'backend' });
 */
export const createKeyBody = z.strictObject({
  customer_id: idSchema,
  team_id: idSchema.optional(),
  user_id: idSchema.optional(),
  feature: idSchema.optional(),
  models: z
    .array(modelPatternSchema)
    .min(1, { error: 'must list at least one model; omit models to allow every model' })
    .max(KEY_MODELS_MAX)
    .optional()
    .meta({ description: 'Exact model names or `prefix*`; absent allows every model.' }),
  wallet_id: idSchema
    .optional()
    .meta({ description: "One of the customer's wallets to pay from; absent picks it by unit and team." }),
  name: z.string().min(1).max(NAME_CHARS_MAX).optional(),
  expires_at: instantInput.refine((at) => at > Date.now(), { error: 'must be in the future' }).optional(),
  end_stream_on_hold_exhausted: z
    .boolean()
    .default(false)
    .meta({ description: 'End a stream once it has spent its hold, instead of billing the excess as owed.' }),
  requests_per_minute: perMinuteSchema.optional().meta({
    description: "This key's own limit on calls per minute (see also POST /rate-limits).",
  }),
  tokens_per_minute: perMinuteSchema.optional().meta({
    description: "This key's own limit on prompt plus output tokens per minute.",
  }),
});

/**
 * Query of `GET /keys`.
 *
 * @example
 * listKeysQuery.parse({ customer_id: 'acme' });
 */
export const listKeysQuery = pageQuery.extend({ customer_id: idSchema.optional() });

/**
 * A virtual key as the API shows it after creation: its prefix identifies it, the key itself is
 * never stored (only its SHA-256) and never shown again.
 *
 * @example
 * keySchema.shape.prefix; // 'tg_AbC123'
 */
export const keySchema = z
  .object({
    id: z.string(),
    object: z.literal('key'),
    prefix: z.string().meta({ description: 'The first characters of the key, to recognise it.' }),
    name: z.string().nullable(),
    customer_id: z.string(),
    team_id: z.string().nullable(),
    user_id: z.string().nullable(),
    feature: z.string().nullable(),
    models: z.array(z.string()).nullable(),
    wallet_id: z.string().nullable(),
    end_stream_on_hold_exhausted: z.boolean(),
    requests_per_minute: z.number().int().nullable(),
    tokens_per_minute: z.number().int().nullable(),
    status: z.enum(['active', 'revoked', 'expired']),
    expires_at: instantOutput.nullable(),
    revoked_at: instantOutput.nullable(),
    created_at: instantOutput,
  })
  .meta({ id: 'Key' });

/**
 * The answer to `POST /keys`: the key with its secret, shown this once.
 *
 * @example
 * createdKeySchema.shape.key; // 'tg_…'
 */
export const createdKeySchema = keySchema
  .extend({
    key: z.string().meta({
      description: 'The secret key (tg_…). Shown only in this response: store it now.',
    }),
  })
  .meta({ id: 'CreatedKey' });
