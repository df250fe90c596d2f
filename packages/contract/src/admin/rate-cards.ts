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
  effective_from: instantInput
    .optional()
    .meta({ description: 'When this version starts to apply; now when absent.' }),
  input: tokenRate('input'),
  output: tokenRate('output'),
  cached_input: optionalRate('cache-read input', 'input'),
  cache_write: optionalRate('cache-write input', 'input'),
  reasoning: optionalRate('reasoning', 'output'),
  per_request: moneyInput(0).prefault(0).meta({ description: 'Micros charged per call on top of tokens.' }),
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
  at: instantInput.optional().meta({ description: 'The instant to read the cards at; now when absent.' }),
});

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
    reasoning: moneyOutput.nullable(),
    per_request: moneyOutput,
    source: z.enum(['builtin', 'config', 'api']),
    created_at: instantOutput.nullable(),
  })
  .meta({ id: 'RateCard' });
