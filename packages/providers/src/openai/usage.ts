import { z } from 'zod';
import type { UsageReport } from '../usage.ts';

const count = z.number().int().nonnegative();

/** Chat Completions and Embeddings `usage` (embeddings send no completion_tokens). */
const chatUsage = z.object({
  prompt_tokens: count,
  completion_tokens: count.optional(),
  prompt_tokens_details: z.object({ cached_tokens: count.nullish() }).nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: count.nullish() }).nullish(),
});

/** Responses API `usage`. */
const responsesUsage = z.object({
  input_tokens: count,
  output_tokens: count,
  input_tokens_details: z
    .object({ cached_tokens: count.nullish(), cache_write_tokens: count.nullish() })
    .nullish(),
  output_tokens_details: z.object({ reasoning_tokens: count.nullish() }).nullish(),
});

/** A Chat Completions usage block, or null when it is absent or malformed (never zeros). */
export function chatUsageReport(value: unknown, embeddings = false): UsageReport | null {
  const parsed = chatUsage.safeParse(value);
  if (!parsed.success) return null;
  const u = parsed.data;
  const outputTokens = u.completion_tokens ?? (embeddings ? 0 : null);
  return {
    inputTokens: u.prompt_tokens,
    outputTokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export function responsesUsageReport(value: unknown): UsageReport | null {
  const parsed = responsesUsage.safeParse(value);
  if (!parsed.success) return null;
  const u = parsed.data;
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cachedInputTokens: u.input_tokens_details?.cached_tokens ?? 0,
    cacheCreationInputTokens: u.input_tokens_details?.cache_write_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
  };
}
