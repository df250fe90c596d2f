import { z } from 'zod';
import type { UsageReport } from '../usage.ts';

const count = z.number().int().nonnegative();

const messagesUsage = z.object({
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  cache_creation_input_tokens: count.nullish(),
  cache_read_input_tokens: count.nullish(),
});

/**
 * Anthropic reports input without the cache: Tollgate's input is input + cache writes + cache
 * reads. In a stream, message_start carries the input and message_delta the cumulative output.
 */
export function messagesUsageReport(value: unknown, previous: UsageReport | null = null): UsageReport | null {
  const parsed = messagesUsage.safeParse(value);
  if (!parsed.success) return previous;
  const u = parsed.data;
  const cacheWrite = u.cache_creation_input_tokens ?? previous?.cacheCreationInputTokens ?? 0;
  const cacheRead = u.cache_read_input_tokens ?? previous?.cachedInputTokens ?? 0;
  const input =
    u.input_tokens !== undefined && u.input_tokens !== null
      ? u.input_tokens + cacheWrite + cacheRead
      : (previous?.inputTokens ?? null);
  return {
    inputTokens: input,
    outputTokens: u.output_tokens ?? previous?.outputTokens ?? null,
    cachedInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
    reasoningTokens: 0,
  };
}
