import { z } from 'zod';
import type { UsageReport } from '../usage.ts';

const count = z.number().int().nonnegative();

const messagesUsage = z.object({
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  cache_creation_input_tokens: count.nullish(),
  cache_read_input_tokens: count.nullish(),
  // The split of cache_creation_input_tokens by lifetime, priced apart (1-hour writes cost more).
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count.nullish(), ephemeral_1h_input_tokens: count.nullish() })
    .nullish(),
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
  // Never more than the writes it is a part of, whatever a malformed block says.
  const cacheWrite1h = Math.min(
    u.cache_creation?.ephemeral_1h_input_tokens ?? previous?.cacheCreation1hInputTokens ?? 0,
    cacheWrite,
  );
  const input =
    u.input_tokens !== undefined && u.input_tokens !== null
      ? u.input_tokens + cacheWrite + cacheRead
      : (previous?.inputTokens ?? null);
  return {
    inputTokens: input,
    outputTokens: u.output_tokens ?? previous?.outputTokens ?? null,
    cachedInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
    cacheCreation1hInputTokens: cacheWrite1h,
    reasoningTokens: 0,
  };
}
