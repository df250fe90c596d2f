/**
 * Tollgate's normalized usage (shared/fixtures conventions): `inputTokens` includes cache reads and
 * writes, `outputTokens` includes reasoning; cached, cache-write and reasoning counts are parts of
 * those totals, never additions.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  /** The part of the cache writes kept for 1 hour (Anthropic prices them apart); 0 when absent. */
  cacheCreation1hInputTokens?: number;
  reasoningTokens: number;
  /** True when any count was made by Tollgate rather than reported by the provider. */
  estimated: boolean;
}

export function usage(fields: Partial<Usage> & Pick<Usage, 'inputTokens' | 'outputTokens'>): Usage {
  return {
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    ...fields,
  };
}

/** What a response or a stream told us, possibly incompletely. Missing counts are null, never 0. */
export interface UsageReport {
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  /** The part of the cache writes kept for 1 hour; 0 when absent. */
  cacheCreation1hInputTokens?: number;
  reasoningTokens: number;
}

export function isComplete(
  report: UsageReport | null,
): report is UsageReport & { inputTokens: number; outputTokens: number } {
  return report !== null && report.inputTokens !== null && report.outputTokens !== null;
}
