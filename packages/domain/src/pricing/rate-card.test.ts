import { describe, expect, it } from 'vitest';
import { costOf, findRateCard, type RateCard } from './rate-card.ts';

const card = (fields: Partial<RateCard>): RateCard => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  effectiveFrom: 0,
  input: 150_000n,
  output: 600_000n,
  cachedInput: 75_000n,
  cacheWrite: null,
  reasoning: null,
  perRequest: 0n,
  ...fields,
});
const usage = (fields: Partial<Parameters<typeof costOf>[1]>) => ({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
  ...fields,
});

describe('costOf', () => {
  it.each([
    // [what, card, usage, micros]
    [
      '27 in + 42 out at $0.15/$0.60 per 1M: 4.05 + 25.2 = 29.25 → 29',
      card({}),
      usage({ inputTokens: 27, outputTokens: 42 }),
      29n,
    ],
    [
      'a half rounds up: 10 tokens at 50,000/1M = 0.5 → 1',
      card({ input: 50_000n }),
      usage({ inputTokens: 10 }),
      1n,
    ],
    ['just under a half rounds down', card({ input: 49_999n }), usage({ inputTokens: 10 }), 0n],
    [
      'rounding happens once, on the sum',
      card({ input: 100_000n, output: 400_000n }),
      usage({ inputTokens: 3, outputTokens: 3 }),
      2n,
    ],
    [
      'cached input at its own rate, never priced twice',
      card({}),
      usage({ inputTokens: 2135, cachedInputTokens: 1920, outputTokens: 434 }),
      // 215×0.15 + 1920×0.075 + 434×0.60 = 32.25 + 144 + 260.4 = 436.65
      437n,
    ],
    [
      'cache writes and reads (Anthropic sonnet: $3 in, $3.75 write, $0.30 read, $15 out)',
      card({
        provider: 'anthropic',
        input: 3_000_000n,
        cacheWrite: 3_750_000n,
        cachedInput: 300_000n,
        output: 15_000_000n,
      }),
      usage({
        inputTokens: 16091,
        cachedInputTokens: 14208,
        cacheCreationInputTokens: 1862,
        outputTokens: 61,
      }),
      // 21×3 + 1862×3.75 + 14208×0.3 + 61×15 = 63 + 6982.5 + 4262.4 + 915 = 12222.9
      12223n,
    ],
    [
      'reasoning at its own rate',
      card({ reasoning: 1_000_000n }),
      usage({ outputTokens: 10, reasoningTokens: 4 }),
      8n,
    ],
    ['per-request fee added after rounding', card({ perRequest: 1000n }), usage({ inputTokens: 1 }), 1000n],
  ])('%s', (_what, c, u, expected) => {
    expect(costOf(c, u)).toBe(expected);
  });

  it('refuses counts where the parts exceed the total', () => {
    expect(() => costOf(card({}), usage({ inputTokens: 1, cachedInputTokens: 2 }))).toThrow(RangeError);
  });
});

describe('findRateCard', () => {
  const cards = [
    card({ model: 'gpt-4o', input: 1n }),
    card({ model: 'gpt-4o-mini', input: 2n }),
    card({ model: 'gpt-4o-mini', input: 3n, effectiveFrom: 100 }),
    card({ model: 'gpt-4o-mini-2024-07-18', input: 4n, effectiveFrom: 200 }),
  ];
  it('takes the exact name, else the longest family, else nothing; the latest version in effect', () => {
    expect(findRateCard(cards, 'openai', 'gpt-4o-mini-2024-07-18', 150)?.input).toBe(3n);
    expect(findRateCard(cards, 'openai', 'gpt-4o-mini-2024-07-18', 250)?.input).toBe(4n);
    expect(findRateCard(cards, 'openai', 'gpt-4o-2024-11-20', 250)?.input).toBe(1n);
    expect(findRateCard(cards, 'openai', 'gpt-4o-mini', 50)?.input).toBe(2n);
    expect(findRateCard(cards, 'openai', 'gpt-4omni', 250)).toBeNull();
    expect(findRateCard(cards, 'anthropic', 'gpt-4o', 250)).toBeNull();
  });
});
