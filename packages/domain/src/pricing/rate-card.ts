import { divRoundHalfUp, type Micros } from '../money.ts';

/**
 * What a provider charges per model. Token rates are micros per 1,000,000 tokens (so $0.15 per
 * million tokens is 150,000, and sub-micro per-token prices stay exact); `perRequest` is micros.
 */
export interface RateCard {
  provider: string;
  /** An exact model name, or a family prefix such as `gpt-4o-mini` (exact names win). */
  model: string;
  effectiveFrom: number;
  input: Micros;
  output: Micros;
  /** Cache reads; the input rate when absent. */
  cachedInput: Micros | null;
  /** Cache writes (Anthropic's 5-minute writes); the input rate when absent. */
  cacheWrite: Micros | null;
  /** Reasoning tokens, when a provider prices them apart; the output rate when absent. */
  reasoning: Micros | null;
  perRequest: Micros;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  reasoningTokens: number;
}

export const TOKENS_PER_RATE = 1_000_000n;

/**
 * The cost of one call, rounded half-up once: every token kind is multiplied by its rate, the
 * products are summed, and only the sum is divided. Cached and cache-write tokens are parts of
 * the input (reasoning of the output), so each token is priced exactly once.
 */
export function costOf(card: RateCard, usage: TokenCounts): Micros {
  const cached = BigInt(usage.cachedInputTokens);
  const cacheWrite = BigInt(usage.cacheCreationInputTokens);
  const reasoning = BigInt(usage.reasoningTokens);
  const uncachedInput = BigInt(usage.inputTokens) - cached - cacheWrite;
  const visibleOutput = BigInt(usage.outputTokens) - reasoning;
  if (uncachedInput < 0n || visibleOutput < 0n) {
    throw new RangeError('cached and cache-write tokens must be parts of the input, reasoning of the output');
  }
  const scaled =
    uncachedInput * card.input +
    cached * (card.cachedInput ?? card.input) +
    cacheWrite * (card.cacheWrite ?? card.input) +
    visibleOutput * card.output +
    reasoning * (card.reasoning ?? card.output);
  return divRoundHalfUp(scaled, TOKENS_PER_RATE) + card.perRequest;
}

/**
 * The card for a model at a time: the exact model name first, else the longest family prefix;
 * among versions, the latest that is in effect.
 */
export function findRateCard(
  cards: readonly RateCard[],
  provider: string,
  model: string,
  at: number,
): RateCard | null {
  let best: RateCard | null = null;
  for (const card of cards) {
    if (card.provider !== provider || card.effectiveFrom > at) continue;
    if (card.model !== model && !model.startsWith(`${card.model}-`)) continue;
    if (!best) {
      best = card;
      continue;
    }
    const exact = card.model === model;
    const bestExact = best.model === model;
    if (exact !== bestExact) {
      if (exact) best = card;
      continue;
    }
    if (card.model.length !== best.model.length) {
      if (card.model.length > best.model.length) best = card;
      continue;
    }
    // A later version with the same start wins: cards are listed in the order they were added.
    if (card.effectiveFrom >= best.effectiveFrom) best = card;
  }
  return best;
}
