import { divRoundHalfUp, type Micros } from '../money.ts';

/**
 * The token rates that apply to one call. Token rates are micros per 1,000,000 tokens (so $0.15
 * per million tokens is 150,000, and sub-micro per-token prices stay exact).
 */
export interface TokenRates {
  input: Micros;
  output: Micros;
  /** Cache reads; the input rate when absent. */
  cachedInput?: Micros | null;
  /** Cache writes (Anthropic's 5-minute writes); the input rate when absent. */
  cacheWrite?: Micros | null;
  /** Anthropic's 1-hour cache writes; the cache-write rate (then the input rate) when absent. */
  cacheWrite1h?: Micros | null;
  /** Reasoning tokens, when a provider prices them apart; the output rate when absent. */
  reasoning?: Micros | null;
}

/**
 * A long-context tier: when a call's input (cache reads and writes included) exceeds
 * `aboveInputTokens`, the WHOLE call is priced at these rates, as Anthropic and Google price long
 * context. Rates the tier leaves out fall back within the tier (cached input → the tier's input).
 */
export interface RateTier extends TokenRates {
  aboveInputTokens: number;
}

/** What a provider charges per model: token rates, fees per call and per image, long-context tiers. */
export interface RateCard extends TokenRates {
  provider: string;
  /** An exact model name, or a family prefix such as `gpt-4o-mini` (exact names win). */
  model: string;
  effectiveFrom: number;
  cachedInput: Micros | null;
  cacheWrite: Micros | null;
  reasoning: Micros | null;
  /** Micros per call, on top of tokens. */
  perRequest: Micros;
  /** Micros per image; 0 when absent. */
  perImage?: Micros;
  /** Strictly increasing thresholds; none when absent. */
  tiers?: readonly RateTier[];
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  /** The part of the cache writes kept for 1 hour (Anthropic); 0 when absent. */
  cacheCreation1hInputTokens?: number;
  reasoningTokens: number;
  /** Images priced per image (`perImage`); 0 when absent. */
  images?: number;
}

export const TOKENS_PER_RATE = 1_000_000n;

/** The rates for a call of `inputTokens`: the highest tier it exceeds, else the card's own. */
export function ratesFor(card: RateCard, inputTokens: number): TokenRates {
  let rates: TokenRates = card;
  for (const tier of card.tiers ?? []) {
    if (inputTokens > tier.aboveInputTokens) rates = tier;
  }
  return rates;
}

/**
 * The cost of one call, rounded half-up once: every token kind is multiplied by its rate, the
 * products are summed, and only the sum is divided; fees per call and per image are whole micros,
 * added after. Cached and cache-write tokens are parts of the input (1-hour writes a part of the
 * writes, reasoning of the output), so each token is priced exactly once.
 */
export function costOf(card: RateCard, usage: TokenCounts): Micros {
  const cached = BigInt(usage.cachedInputTokens);
  const cacheWrite1h = BigInt(usage.cacheCreation1hInputTokens ?? 0);
  const cacheWrite5m = BigInt(usage.cacheCreationInputTokens) - cacheWrite1h;
  const reasoning = BigInt(usage.reasoningTokens);
  const uncachedInput = BigInt(usage.inputTokens) - cached - BigInt(usage.cacheCreationInputTokens);
  const visibleOutput = BigInt(usage.outputTokens) - reasoning;
  const images = BigInt(usage.images ?? 0);
  if (uncachedInput < 0n || visibleOutput < 0n || cacheWrite5m < 0n || cacheWrite1h < 0n || images < 0n) {
    throw new RangeError(
      'cached and cache-write tokens must be parts of the input, 1-hour writes of the writes, reasoning of the output',
    );
  }
  const r = ratesFor(card, usage.inputTokens);
  const cacheWriteRate = r.cacheWrite ?? r.input;
  const scaled =
    uncachedInput * r.input +
    cached * (r.cachedInput ?? r.input) +
    cacheWrite5m * cacheWriteRate +
    cacheWrite1h * (r.cacheWrite1h ?? cacheWriteRate) +
    visibleOutput * r.output +
    reasoning * (r.reasoning ?? r.output);
  return divRoundHalfUp(scaled, TOKENS_PER_RATE) + card.perRequest + images * (card.perImage ?? 0n);
}

/**
 * The card for a model at a time: the exact model name first, else the longest family prefix;
 * among versions, the latest that is in effect.
 */
export function findRateCard<T extends RateCard>(
  cards: readonly T[],
  provider: string,
  model: string,
  at: number,
): T | null {
  let best: T | null = null;
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
