import { z } from 'zod';
import { createProviderBody } from './admin/providers.ts';
import { createRateCardBody } from './admin/rate-cards.ts';

/**
 * `tollgate.config.json` / `tollgate.config.yaml`: what the admin API manages, as a file. Providers
 * name their key directly (`api_key`) or, better, the environment variable that holds it
 * (`api_key_env`), so the file can be committed.
 *
 * @example
 * tollgateConfigSchema.parse({
 *   providers: [{ id: 'vllm', kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1' }],
 *   rate_cards: [{ provider: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct', input: 100000, output: 100000 }],
 * });
 */
export const tollgateConfigSchema = z.strictObject({
  providers: z
    .array(
      z.intersection(
        createProviderBody,
        z.object({
          api_key_env: z
            .string()
            .regex(/^[A-Z_][A-Z0-9_]*$/)
            .optional(),
        }),
      ),
    )
    .default([]),
  rate_cards: z.array(createRateCardBody).default([]),
});

export type TollgateConfig = z.output<typeof tollgateConfigSchema>;
