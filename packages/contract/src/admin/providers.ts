import { z } from 'zod';
import { instantOutput } from '../fields.ts';

/** Limits on provider fields, named so that docs, validation and tests share them. */
export const PROVIDER_ID_CHARS_MAX = 64;
export const MODEL_CHARS_MAX = 256;
export const BASE_URL_CHARS_MAX = 2_048;
export const PROVIDER_API_KEY_CHARS_MAX = 4_096;

/** The wire formats Tollgate speaks to upstreams; each is one adapter in @tollgate/providers. */
export const PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible'] as const;
export type ProviderKindName = (typeof PROVIDER_KINDS)[number];

/**
 * A provider id: what a caller writes before the slash in `PROVIDER_ID/MODEL`, so it has no slash
 * and one spelling only (lower case).
 *
 * @example
 * providerIdSchema.parse('vllm'); // 'vllm'
 */
export const providerIdSchema = z
  .string()
  .min(1)
  .max(PROVIDER_ID_CHARS_MAX)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, {
    error: 'must be lower case letters, digits, . _ or -, starting with a letter or digit (e.g. vllm)',
  })
  .meta({ examples: ['openai', 'vllm'] });

/**
 * A model name as its provider spells it (`gpt-4o-mini`, `meta-llama/Llama-3.1-8B-Instruct`).
 *
 * @example
 * modelNameSchema.parse('gpt-4o-mini');
 */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(MODEL_CHARS_MAX)
  .regex(/^[^\s*]+$/, { error: 'must be a model name without spaces or *' });

/** Why a base URL cannot be an upstream, or null when it can. */
function baseUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL, e.g. https://api.openai.com/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  // Credentials in a URL would be echoed by every GET; the api_key field is sealed instead.
  if (url.username || url.password) return 'must not carry credentials; send the key as api_key';
  if (url.search || url.hash) return 'must not have a query or a fragment';
  return null;
}

/**
 * A provider's API root as its official SDK takes it (`https://api.openai.com/v1`,
 * `https://api.anthropic.com`); a trailing slash is dropped.
 *
 * @example
 * baseUrlSchema.parse('http://localhost:8000/v1/'); // 'http://localhost:8000/v1'
 */
export const baseUrlSchema = z
  .string()
  .max(BASE_URL_CHARS_MAX)
  .superRefine((text, ctx) => {
    const problem = baseUrlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: text });
  })
  .transform((text) => text.replace(/\/+$/, ''))
  .meta({ examples: ['https://api.openai.com/v1', 'http://localhost:8000/v1'] });

/**
 * Body of `POST /providers`: creates the provider or replaces the one with that id (its
 * api_key too: omit it to store none). The key is sealed with AES-256-GCM and never returned.
 *
 * @example
 * createProviderBody.parse({ id: 'vllm', kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1' });
 */
export const createProviderBody = z
  .strictObject({
    id: providerIdSchema,
    kind: z.enum(PROVIDER_KINDS),
    base_url: baseUrlSchema,
    api_key: z
      .string()
      .min(1)
      .max(PROVIDER_API_KEY_CHARS_MAX)
      .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
      .optional()
      .meta({ description: 'Stored encrypted (needs TOLLGATE_SECRET on the server); never returned.' }),
  })
  .superRefine((body, ctx) => {
    // Anthropic's SDK adds /v1 itself: a root ending in /v1 would call /v1/v1/messages.
    if (body.kind === 'anthropic' && /\/v1$/.test(body.base_url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['base_url'],
        input: body.base_url,
        message: 'must be the API root without /v1 for kind anthropic, e.g. https://api.anthropic.com',
      });
    }
  });

/**
 * A provider as the API shows it: never its key, only whether it has one.
 *
 * @example
 * providerSchema.shape.has_api_key;
 */
export const providerSchema = z
  .object({
    id: z.string(),
    object: z.literal('provider'),
    kind: z.enum(PROVIDER_KINDS),
    base_url: z.string(),
    has_api_key: z.boolean(),
    source: z.enum(['builtin', 'api']).meta({
      description: '`api`: added through this API. `builtin`: from the environment or the config file.',
    }),
    created_at: instantOutput.nullable(),
    updated_at: instantOutput.nullable(),
  })
  .meta({ id: 'Provider' });

/**
 * Result of `DELETE /providers/{id}`.
 *
 * @example
 * deletedProviderSchema.parse({ id: 'vllm', object: 'provider', deleted: true });
 */
export const deletedProviderSchema = z
  .object({ id: z.string(), object: z.literal('provider'), deleted: z.literal(true) })
  .meta({ id: 'DeletedProvider' });
