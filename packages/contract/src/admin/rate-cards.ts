import { z } from 'zod';
import { instantInput, instantOutput } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';
import { modelNameSchema, providerIdSchema } from './providers.ts';

const tokenRate = (what: string) =>
  moneyInput(0).meta({ description: `Micros per 1,000,000 ${what} tokens (150000 = $0.15 per million).` });

const optionalRate = (what: string, fallback: string) =>
  moneyInput(0)
    .optional()
    .meta({ description: `Micros per 1,000,000 ${what} tokens; the ${fallback} rate when absent.` });

/** How many long-context tiers a card may have (providers publish one or two). */
export const RATE_CARD_TIERS_MAX = 8;

/**
 * A long-context tier: above `above_input_tokens` input tokens (cache reads and writes included)
 * the whole call is priced at the tier's rates. Rates it leaves out fall back within the tier.
 *
 * @example
 * rateCardTierInput.parse({ above_input_tokens: 200000, input: 2500000, output: 15000000 });
 */
export const rateCardTierInput = z.strictObject({
  above_input_tokens: z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .meta({ description: 'The tier applies to calls with more input tokens than this.' }),
  input: tokenRate('input'),
  output: tokenRate('output'),
  cached_input: optionalRate('cache-read input', "tier's input"),
  cache_write: optionalRate('cache-write input', "tier's input"),
  cache_write_1h: optionalRate('1-hour cache-write input', "tier's cache-write"),
  reasoning: optionalRate('reasoning', "tier's output"),
});

const tiersInput = z
  .array(rateCardTierInput)
  .max(RATE_CARD_TIERS_MAX)
  .superRefine((tiers, ctx) => {
    for (let i = 1; i < tiers.length; i++) {
      if (tiers[i]!.above_input_tokens <= tiers[i - 1]!.above_input_tokens) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'above_input_tokens'],
          message: `must be greater than the previous tier's (${tiers[i - 1]!.above_input_tokens}): thresholds strictly increase`,
        });
      }
    }
  })
  .meta({ description: 'Long-context tiers, thresholds strictly increasing; none when absent.' });

/**
 * Body of `POST /rate-cards`: a new version of what a provider charges for a model (or a model
 * family: `gpt-4o` also prices `gpt-4o-2024-08-06` unless that has its own card). Rates are
 * integer micros per 1,000,000 tokens, so sub-micro per-token prices stay exact.
 *
 * @example
 * createRateCardBody.parse({ provider: 'openai', model: 'gpt-4o-mini', input: 150_000, output: 600_000 });
 */
export const createRateCardBody = z.strictObject({
  provider: providerIdSchema,
  model: modelNameSchema,
  effective_from: instantInput.optional().meta({
    description:
      'When this version starts to apply; when absent, the next millisecond (every call admitted after the answer is priced by it, none before).',
  }),
  input: tokenRate('input'),
  output: tokenRate('output'),
  cached_input: optionalRate('cache-read input', 'input'),
  cache_write: optionalRate('cache-write input', 'input'),
  cache_write_1h: optionalRate("1-hour cache-write input (Anthropic's)", 'cache-write'),
  reasoning: optionalRate('reasoning', 'output'),
  per_request: moneyInput(0).prefault(0).meta({ description: 'Micros charged per call on top of tokens.' }),
  per_image: moneyInput(0).prefault(0).meta({ description: 'Micros charged per image.' }),
  tiers: tiersInput.prefault([]),
});

/**
 * Query of `GET /rate-cards`: the versions in effect at `at` (now when absent).
 *
 * @example
 * listRateCardsQuery.parse({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' });
 */
export const listRateCardsQuery = z.object({
  provider: providerIdSchema.optional(),
  model: modelNameSchema.optional().meta({
    description: 'Only the cards that price this model (exact, then family), the one that applies first.',
  }),
  at: instantInput.optional().meta({
    description: 'The instant to read the cards at; when absent, the cards that price the next call.',
  }),
});

/** A long-context tier as the API returns it. */
export const rateCardTierSchema = z
  .object({
    above_input_tokens: z.number().int(),
    input: moneyOutput,
    output: moneyOutput,
    cached_input: moneyOutput.nullable(),
    cache_write: moneyOutput.nullable(),
    cache_write_1h: moneyOutput.nullable(),
    reasoning: moneyOutput.nullable(),
  })
  .meta({ id: 'RateCardTier' });

/**
 * A rate card version. Built-in cards (the catalog Tollgate ships) have no id.
 *
 * @example
 * rateCardSchema.shape.source; // 'builtin' | 'config' | 'api'
 */
export const rateCardSchema = z
  .object({
    id: z.string().nullable(),
    object: z.literal('rate_card'),
    provider: z.string(),
    model: z.string(),
    effective_from: instantOutput,
    input: moneyOutput,
    output: moneyOutput,
    cached_input: moneyOutput.nullable(),
    cache_write: moneyOutput.nullable(),
    cache_write_1h: moneyOutput.nullable(),
    reasoning: moneyOutput.nullable(),
    per_request: moneyOutput,
    per_image: moneyOutput,
    tiers: z.array(rateCardTierSchema),
    source: z.enum(['builtin', 'config', 'api']),
    created_at: instantOutput.nullable(),
  })
  .meta({ id: 'RateCard' });
