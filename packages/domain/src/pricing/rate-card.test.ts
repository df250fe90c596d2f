import { describe, expect, it } from 'vitest';
import { costOf, findRateCard, type RateCard, ratesFor } from './rate-card.ts';

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

  it.each([
    [{ inputTokens: 1, cachedInputTokens: 2 }],
    [{ inputTokens: 5, cacheCreationInputTokens: 2, cacheCreation1hInputTokens: 3 }],
    [{ outputTokens: 1, reasoningTokens: 2 }],
    [{ images: -1 }],
  ])('refuses counts where the parts exceed the total: %j', (counts) => {
    expect(() => costOf(card({}), usage(counts))).toThrow(RangeError);
  });
});

/** Anthropic Sonnet 4.5 as of 2025-11: $3 in, $3.75 5-minute write, $6 1-hour write, $0.30 read, $15 out. */
const sonnet = card({
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  input: 3_000_000n,
  cacheWrite: 3_750_000n,
  cacheWrite1h: 6_000_000n,
  cachedInput: 300_000n,
  output: 15_000_000n,
  // Above 200k input tokens (1M context): $6 in, $7.50 / $12 writes, $0.60 read, $22.50 out.
  tiers: [
    {
      aboveInputTokens: 200_000,
      input: 6_000_000n,
      cacheWrite: 7_500_000n,
      cacheWrite1h: 12_000_000n,
      cachedInput: 600_000n,
      output: 22_500_000n,
    },
  ],
});

describe('costOf: 1-hour cache writes', () => {
  it.each([
    [
      'all writes 5-minute (the 1-hour part defaults to 0)',
      sonnet,
      usage({ inputTokens: 1000, cacheCreationInputTokens: 1000 }),
      // 1000 × 3.75 = 3750
      3750n,
    ],
    [
      'a split: 600 five-minute + 400 one-hour writes',
      sonnet,
      usage({ inputTokens: 1000, cacheCreationInputTokens: 1000, cacheCreation1hInputTokens: 400 }),
      // 600 × 3.75 + 400 × 6 = 2250 + 2400
      4650n,
    ],
    [
      'no 1-hour rate: the 5-minute write rate',
      card({ cacheWrite: 1_250_000n }),
      usage({ inputTokens: 10, cacheCreationInputTokens: 10, cacheCreation1hInputTokens: 10 }),
      // 10 × 1.25 = 12.5 → 13
      13n,
    ],
    [
      'no write rates at all: the input rate',
      card({ input: 150_000n }),
      usage({ inputTokens: 10, cacheCreationInputTokens: 10, cacheCreation1hInputTokens: 7 }),
      // 10 × 0.15 = 1.5 → 2
      2n,
    ],
    [
      'the 1-hour part rounds with the rest, once: 1 token at 2.5 + 1 at 0.75 → 3.25 → 3',
      card({ input: 750_000n, cacheWrite: 750_000n, cacheWrite1h: 2_500_000n }),
      usage({ inputTokens: 2, cacheCreationInputTokens: 2, cacheCreation1hInputTokens: 1 }),
      3n,
    ],
  ])('%s', (_what, c, u, expected) => {
    expect(costOf(c, u)).toBe(expected);
  });
});

describe('costOf: per image', () => {
  it.each([
    ['no images: nothing', card({ perImage: 40_000n }), usage({ inputTokens: 0 }), 0n],
    ['3 images at 39,000 micros', card({ perImage: 39_000n }), usage({ images: 3 }), 117_000n],
    [
      'whole micros, added after the one rounding: 1 token at 0.5 → 1, + 2 × 7',
      card({ input: 500_000n, perImage: 7n, perRequest: 5n }),
      usage({ inputTokens: 1, images: 2 }),
      // round(0.5) = 1, + 14 + 5
      20n,
    ],
    ['images with no per-image rate cost nothing more', card({}), usage({ images: 9 }), 0n],
  ])('%s', (_what, c, u, expected) => {
    expect(costOf(c, u)).toBe(expected);
  });
});

describe('costOf: long-context tiers price the whole call', () => {
  const gemini = card({
    provider: 'google',
    model: 'gemini-2.5-pro',
    input: 1_250_000n,
    cachedInput: 125_000n,
    output: 10_000_000n,
    tiers: [{ aboveInputTokens: 200_000, input: 2_500_000n, cachedInput: 250_000n, output: 15_000_000n }],
  });
  const threeTiers = card({
    input: 1_000_000n,
    output: 1_000_000n,
    tiers: [
      { aboveInputTokens: 10, input: 2_000_000n, output: 3_000_000n },
      { aboveInputTokens: 100, input: 4_000_000n, output: 5_000_000n },
    ],
  });
  it.each([
    [
      'at the threshold: the base rates',
      gemini,
      usage({ inputTokens: 200_000, outputTokens: 1000 }),
      // 200000 × 1.25 + 1000 × 10 = 250000 + 10000
      260_000n,
    ],
    [
      'one token above: every token at the tier',
      gemini,
      usage({ inputTokens: 200_001, outputTokens: 1000 }),
      // 200001 × 2.5 + 1000 × 15 = 500002.5 + 15000 = 515002.5 → 515003
      515_003n,
    ],
    [
      'cached input counts toward the threshold and takes the tier cache rate',
      gemini,
      usage({ inputTokens: 250_000, cachedInputTokens: 200_000, outputTokens: 3 }),
      // 50000 × 2.5 + 200000 × 0.25 + 3 × 15 = 125000 + 50000 + 45
      175_045n,
    ],
    [
      'a tier without a cache rate: the tier input rate, not the base cache rate',
      card({ cachedInput: 1n, tiers: [{ aboveInputTokens: 0, input: 1_000_000n, output: 0n }] }),
      usage({ inputTokens: 4, cachedInputTokens: 4 }),
      4n,
    ],
    [
      'Sonnet above 200k with 1-hour writes and reasoning at output',
      sonnet,
      usage({
        inputTokens: 300_000,
        cachedInputTokens: 100_000,
        cacheCreationInputTokens: 50_000,
        cacheCreation1hInputTokens: 20_000,
        outputTokens: 1_001,
        reasoningTokens: 500,
      }),
      // 150000 × 6 + 100000 × 0.6 + 30000 × 7.5 + 20000 × 12 + 1001 × 22.5
      // = 900000 + 60000 + 225000 + 240000 + 22522.5 = 1447522.5 → 1447523
      1_447_523n,
    ],
    ['three bands: 10 tokens → base', threeTiers, usage({ inputTokens: 10, outputTokens: 1 }), 11n],
    ['11 tokens → first tier', threeTiers, usage({ inputTokens: 11, outputTokens: 1 }), 25n],
    ['101 tokens → second tier', threeTiers, usage({ inputTokens: 101, outputTokens: 1 }), 409n],
    [
      "per-request and per-image fees are the card's whatever the tier",
      card({ perRequest: 100n, perImage: 10n, tiers: [{ aboveInputTokens: 0, input: 0n, output: 0n }] }),
      usage({ inputTokens: 5, images: 1 }),
      110n,
    ],
  ])('%s', (_what, c, u, expected) => {
    expect(costOf(c, u)).toBe(expected);
  });

  it('ratesFor picks the highest tier exceeded', () => {
    expect(ratesFor(threeTiers, 0).input).toBe(1_000_000n);
    expect(ratesFor(threeTiers, 100).input).toBe(2_000_000n);
    expect(ratesFor(threeTiers, 1_000_000).input).toBe(4_000_000n);
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
