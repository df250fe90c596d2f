import { createRateCardBody } from '@tollgate/contract';
import { costOf, type RateCard } from '@tollgate/domain';
import catalog from '@tollgate/providers/rate-cards.json' with { type: 'json' };
import type { GatewayStore, RateCardRow } from '@tollgate/storage';
import { describe, expect, it } from 'vitest';
import { builtinRateCards, RateCards } from './rate-cards.ts';

type RawCard = Record<string, unknown> & { provider: string; model: string; effective_from?: string };
const raw = catalog.cards as RawCard[];
const RATE_FIELDS = ['input', 'output', 'cached_input', 'cache_write', 'cache_write_1h', 'reasoning'];

describe('the built-in rate card catalog', () => {
  it.each(raw.map((card, i) => [`${card.provider}/${card.model}`, i] as const))(
    '%s parses as the admin API would take it',
    (_name, i) => {
      const parsed = createRateCardBody.safeParse(raw[i]);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    },
  );

  it('writes every rate as a plain integer number of micros ≥ 0 (no strings, no fractions)', () => {
    const rates = raw.flatMap((card) => [
      ...[...RATE_FIELDS, 'per_request', 'per_image'].filter((f) => f in card).map((f) => card[f]),
      ...((card.tiers as Record<string, unknown>[] | undefined) ?? []).flatMap((tier) =>
        [...RATE_FIELDS, 'above_input_tokens'].filter((f) => f in tier).map((f) => tier[f]),
      ),
    ]);
    expect(rates.length).toBeGreaterThan(raw.length * 2);
    for (const rate of rates)
      expect(Number.isSafeInteger(rate) && (rate as number) >= 0, `${rate}`).toBe(true);
  });

  it('has no two cards for one provider+model+effective_from, and one name per model per provider', () => {
    const versions = raw.map((c) => `${c.provider} ${c.model} ${c.effective_from ?? catalog.effective_from}`);
    expect(versions.length - new Set(versions).size).toBe(0);
    // Case-insensitively too: `Qwen/…` and `qwen/…` would be one model to a reader and two to lookups.
    const names = raw.map((c) => `${c.provider} ${c.model.toLowerCase()}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('names a source page and a date for every provider it prices, and says to verify them', () => {
    const providers = [...new Set(raw.map((c) => c.provider))].sort();
    expect(providers).toEqual(
      expect.arrayContaining(['anthropic', 'cohere', 'google', 'mistral', 'openai', 'together']),
    );
    for (const provider of providers) {
      expect(catalog.sources[provider as keyof typeof catalog.sources]).toMatch(/^https:\/\//);
      expect(catalog.providers[provider as keyof typeof catalog.providers]).toBeTruthy();
    }
    expect(Number.isNaN(Date.parse(catalog.effective_from))).toBe(false);
    expect(catalog.retrieved).toMatch(/^\d{4}-\d{2}/);
    expect(catalog.disclaimer).toMatch(/verified/);
  });

  it('keeps discounts below the rate they discount', () => {
    for (const card of builtinRateCards()) {
      for (const rates of [card, ...(card.tiers ?? [])]) {
        expect(rates.cachedInput ?? 0n, card.model).toBeLessThanOrEqual(rates.input);
      }
    }
  });

  it('prices the families the issue names', () => {
    const cards = builtinRateCards();
    const find = (provider: string, model: string) =>
      cards.find((c) => c.provider === provider && c.model === model);
    for (const [provider, model] of [
      ['google', 'gemini-2.5-pro'],
      ['google', 'gemini-2.5-flash'],
      ['google', 'gemini-2.5-flash-lite'],
      ['google', 'gemini-2.0-flash'],
      ['mistral', 'mistral-large'],
      ['mistral', 'mistral-medium'],
      ['mistral', 'mistral-small'],
      ['mistral', 'codestral'],
      ['mistral', 'ministral-8b'],
      ['cohere', 'command-a'],
      ['cohere', 'command-r-plus'],
      ['cohere', 'command-r'],
      ['cohere', 'embed'],
      ['together', 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo'],
      ['together', 'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo'],
      ['together', 'meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo'],
      ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
      ['together', 'Qwen/Qwen2.5-72B-Instruct-Turbo'],
      ['together', 'deepseek-ai/DeepSeek-V3'],
      ['together', 'deepseek-ai/DeepSeek-R1'],
      ['together', 'mistralai/Mixtral-8x7B-Instruct-v0.1'],
    ]) {
      expect(find(provider!, model!), `${provider}/${model}`).toBeDefined();
    }
    for (const card of cards.filter((c) => c.provider === 'anthropic')) {
      // Anthropic's 1-hour writes cost twice the input rate.
      expect(card.cacheWrite1h, card.model).toBe(2n * card.input);
    }
  });

  it('prices gemini-2.5-pro above 200k input tokens at its long-context tier, whole call', () => {
    const pro = builtinRateCards().find((c) => c.model === 'gemini-2.5-pro')!;
    const counts = {
      outputTokens: 1000,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
    };
    // 200000 × $1.25 + 1000 × $10 per 1M
    expect(costOf(pro, { ...counts, inputTokens: 200_000 })).toBe(260_000n);
    // 200001 × $2.50 + 1000 × $15 per 1M = 515002.5 → 515003
    expect(costOf(pro, { ...counts, inputTokens: 200_001 })).toBe(515_003n);
  });
});

/** A store whose reads can be held, to interleave a reload with a write. */
function fakeStore(): GatewayStore & { rows: RateCardRow[]; gate: Promise<void> | null } {
  const store = {
    rows: [] as RateCardRow[],
    gate: null as Promise<void> | null,
    async listRateCards() {
      const snapshot = [...store.rows];
      await store.gate;
      return snapshot;
    },
    async rateCardsVersion() {
      return String(store.rows.length + Math.random());
    },
  };
  return store as unknown as GatewayStore & typeof store;
}

const row = (id: string, input: bigint): RateCardRow => ({
  id,
  provider: 'openai',
  model: 'gpt-test',
  effectiveFrom: 0,
  input,
  output: 0n,
  cachedInput: null,
  cacheWrite: null,
  reasoning: null,
  perRequest: 0n,
  createdAt: 0,
});

describe('RateCards', () => {
  it('keeps a card added in memory through a reload that read the store before its write', async () => {
    const store = fakeStore();
    const cards = new RateCards(store);
    let open = () => {};
    store.gate = new Promise((resolve) => {
      open = resolve;
    });
    const stale = cards.reload();
    await new Promise((r) => setImmediate(r));
    const card = row('rc_1', 7n);
    cards.add(card);
    store.rows.push(card);
    open();
    await stale;
    expect(cards.find('openai', 'gpt-test', 1)?.input).toBe(7n);
    await cards.reload();
    expect(cards.all().filter((c: RateCard) => c === card)).toHaveLength(1);
  });

  it('forgets a card whose write failed', () => {
    const cards = new RateCards(fakeStore());
    const card = row('rc_2', 9n);
    cards.add(card);
    expect(cards.find('openai', 'gpt-test', 1)).toBe(card);
    cards.forget(card);
    expect(cards.find('openai', 'gpt-test', 1)).toBeNull();
  });
});
