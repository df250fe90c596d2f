import type { Exact } from './exact.ts';
import type { ModelPrice, PlanCall } from './price-plan.ts';
import { findRateCard, type RateCard, TOKENS_PER_RATE } from './rate-card.ts';

const asCard = (price: ModelPrice, provider: string): RateCard & { price: ModelPrice } => ({
  provider: price.provider ?? provider,
  model: price.model,
  effectiveFrom: 0,
  input: price.input,
  output: price.output,
  cachedInput: price.cachedInput,
  cacheWrite: null,
  reasoning: null,
  perRequest: price.perRequest,
  price,
});

/** The plan's price for the call's model: rate cards' own rule (exact name, then longest family). */
export function findModelPrice(
  prices: readonly ModelPrice[],
  provider: string,
  model: string,
): ModelPrice | null {
  const card = findRateCard(
    prices.map((price) => asCard(price, provider)),
    provider,
    model,
    0,
  ) as (RateCard & { price: ModelPrice }) | null;
  return card?.price ?? null;
}

/**
 * The call at the plan's token prices, unrounded: cache reads at `cachedInput`, every other
 * input token (cache writes included) at `input`, every output token (reasoning included) at
 * `output`, plus `perRequest`.
 */
export function modelPrice(price: ModelPrice, call: PlanCall): Exact {
  const cached = BigInt(call.usage.cachedInputTokens);
  const uncached = BigInt(call.usage.inputTokens) - cached;
  const scaled =
    uncached * price.input +
    cached * (price.cachedInput ?? price.input) +
    BigInt(call.usage.outputTokens) * price.output +
    price.perRequest * TOKENS_PER_RATE;
  return { numerator: scaled, denominator: TOKENS_PER_RATE };
}
