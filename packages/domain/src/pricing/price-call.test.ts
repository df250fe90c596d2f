import { describe, expect, it } from 'vitest';
import { maxPriceCall, priceCall } from './price-call.ts';
import { PASS_THROUGH_PLAN, type PlanCall, type PricePlan } from './price-plan.ts';

/**
 * Golden pricing tables: for every plan kind, inputs → exact micros. The rounding cases sit on
 * the half (x.5 rounds up) and just below it (x.4999… rounds down), each rounded once.
 */
const plan = (fields: Partial<PricePlan>): PricePlan => ({ ...PASS_THROUGH_PLAN, id: 'plan', ...fields });
const call = (fields: Partial<PlanCall> & { tokens?: [number, number, number?] }): PlanCall => {
  const [inputTokens, outputTokens, cachedInputTokens] = fields.tokens ?? [0, 0, 0];
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: {
      inputTokens,
      outputTokens,
      cachedInputTokens: cachedInputTokens ?? 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
    },
    cost: 0n,
    cacheStatus: 'miss',
    valueUnit: null,
    sessionId: null,
    ...fields,
  };
};

const golden = (rows: [string, PricePlan, PlanCall, bigint][]) =>
  it.each(rows)('%s', (_what, p, c, micros) => {
    expect(priceCall(p, c).price).toBe(micros);
    expect(maxPriceCall(p, c)).toBeGreaterThanOrEqual(micros);
  });

describe('pass-through (no plan)', () => {
  golden([
    ['the cost as it is', PASS_THROUGH_PLAN, call({ cost: 29n }), 29n],
    ['zero cost is zero', PASS_THROUGH_PLAN, call({ cost: 0n }), 0n],
  ]);
});

describe('markup', () => {
  golden([
    ['+25 % of 1000 = 1250', plan({ markupBps: 2500 }), call({ cost: 1_000n }), 1_250n],
    ['+25 % of 1001 = 1251.25 → 1251', plan({ markupBps: 2500 }), call({ cost: 1_001n }), 1_251n],
    ['+25 % of 2 = 2.5 → 3 (half-up)', plan({ markupBps: 2500 }), call({ cost: 2n }), 3n],
    ['+50 % of 1 = 1.5 → 2 (half-up)', plan({ markupBps: 5000 }), call({ cost: 1n }), 2n],
    ['+1 bps of 4999 = 4999.4999 → 4999', plan({ markupBps: 1 }), call({ cost: 4_999n }), 4_999n],
    ['+1 bps of 5000 = 5000.5 → 5001', plan({ markupBps: 1 }), call({ cost: 5_000n }), 5_001n],
    ['+200 % of 333 = 999', plan({ markupBps: 20_000 }), call({ cost: 333n }), 999n],
    ['0 % is pass-through', plan({ markupBps: 0 }), call({ cost: 12_345n }), 12_345n],
  ]);
});

describe('per-model token prices (micros per 1M tokens, exact-or-family match)', () => {
  const prices = plan({
    markupBps: 10_000,
    modelPrices: [
      {
        provider: null,
        model: 'gpt-4o',
        input: 3_000_000n,
        output: 12_000_000n,
        cachedInput: null,
        perRequest: 0n,
      },
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        input: 300_000n,
        output: 1_200_000n,
        cachedInput: 150_000n,
        perRequest: 0n,
      },
      {
        provider: null,
        model: 'claude-3-5-haiku-20241022',
        input: 1_000_000n,
        output: 5_000_000n,
        cachedInput: 100_000n,
        perRequest: 250n,
      },
    ],
  });
  golden([
    // 27×0.3 + 42×1.2 = 8.1 + 50.4 = 58.5 → 59: one rounding on the sum, not 8 + 50 = 58.
    ['27 in + 42 out of gpt-4o-mini = 58.5 → 59', prices, call({ tokens: [27, 42], cost: 29n }), 59n],
    // 1000 in of which 600 cached: 400×0.3 + 600×0.15 = 120 + 90 = 210; 5 out × 1.2 = 6
    ['cache reads at the cached price: 216', prices, call({ tokens: [1_000, 5, 600], cost: 1n }), 216n],
    // the family rule: gpt-4o-mini-2024-07-18 is gpt-4o-mini, not gpt-4o
    [
      'gpt-4o-mini-2024-07-18 matches the gpt-4o-mini family (longest)',
      prices,
      call({ model: 'gpt-4o-mini-2024-07-18', tokens: [27, 42], cost: 29n }),
      59n,
    ],
    [
      'gpt-4o-2024-08-06: 10 in×3 + 10 out×12 = 150',
      prices,
      call({ model: 'gpt-4o-2024-08-06', tokens: [10, 10] }),
      150n,
    ],
    // a provider-bound price does not apply to another provider; the provider-free gpt-4o
    // family does (as for rate cards, `gpt-4o` prices `gpt-4o-mini`): 27×3 + 42×12 = 585
    [
      'another provider: the provider-free family price',
      prices,
      call({ provider: 'azure', tokens: [27, 42], cost: 29n }),
      585n,
    ],
    ['an unpriced model falls back to the markup', prices, call({ model: 'o1', cost: 7n }), 14n],
    // per request 250 + 1×1 + 1×5 = 256; 1 token each side: 0.000001×1e6… = 1 + 5 = 6 → 256
    [
      'per-request price is added: 256',
      prices,
      call({ provider: 'anthropic', model: 'claude-3-5-haiku-20241022', tokens: [1, 1] }),
      256n,
    ],
    ['1 in at 0.3 = 0.3 → 0', prices, call({ tokens: [1, 0] }), 0n],
    ['5 in at 0.3 = 1.5 → 2 (half-up)', prices, call({ tokens: [5, 0] }), 2n],
  ]);
});

describe('minimum charge', () => {
  golden([
    ['below the minimum: the minimum', plan({ minimumCharge: 100n }), call({ cost: 29n }), 100n],
    [
      'above the minimum: the price',
      plan({ minimumCharge: 100n, markupBps: 2500 }),
      call({ cost: 80n }),
      100n,
    ],
    [
      '+25 % of 81 = 101.25 → 101 > 100',
      plan({ minimumCharge: 100n, markupBps: 2500 }),
      call({ cost: 81n }),
      101n,
    ],
    ['a free call is charged the minimum', plan({ minimumCharge: 100n }), call({ cost: 0n }), 100n],
  ]);
});

describe('cached-hit pricing', () => {
  const half = plan({ markupBps: 2500, cachedHitBps: 5000 });
  golden([
    ['a miss pays the full price', half, call({ cost: 1_000n }), 1_250n],
    ['a hit pays 50 % of 1250 = 625', half, call({ cost: 1_000n, cacheStatus: 'hit' }), 625n],
    ['a semantic hit too', half, call({ cost: 1_000n, cacheStatus: 'semantic' }), 625n],
    // 1001 × 1.25 × 0.5 = 625.625 → 626: one rounding (rounding twice would give 1251 → 625.5 → 626 here,
    // but 3 × 1.25 × 0.5 = 1.875 → 2 where twice gives 4 → 2; see the next rows).
    ['a hit of cost 1001: 625.625 → 626', half, call({ cost: 1_001n, cacheStatus: 'hit' }), 626n],
    // 5 × 1.1 × 0.1 = 0.55 → 1 once; rounded twice it would be 6 → 0.6 → 1, and 5.5 … see below
    [
      '+10 % then 10 %: 0.55 → 1',
      plan({ markupBps: 1000, cachedHitBps: 1000 }),
      call({ cost: 5n, cacheStatus: 'hit' }),
      1n,
    ],
    // 3 × 1.5 × 0.3 = 1.35 → 1 once; rounded twice: 4.5 → 5 → 1.5 → 2 (wrong)
    [
      'one rounding: 1.35 → 1, not 2',
      plan({ markupBps: 5000, cachedHitBps: 3000 }),
      call({ cost: 3n, cacheStatus: 'hit' }),
      1n,
    ],
    [
      'no cachedHitBps: a hit pays the full price',
      plan({ markupBps: 2500 }),
      call({ cost: 1_000n, cacheStatus: 'hit' }),
      1_250n,
    ],
    [
      'the minimum still applies to a hit',
      plan({ cachedHitBps: 0, minimumCharge: 10n }),
      call({ cost: 1_000n, cacheStatus: 'hit' }),
      10n,
    ],
  ]);
});

describe('value units', () => {
  const units = plan({ markupBps: 2500, units: { clinical_report: 2_000_000n, summary: 150_000n } });
  golden([
    [
      'a unit call pays the flat unit price, whatever its tokens',
      units,
      call({ cost: 987_654n, valueUnit: 'clinical_report', tokens: [9_000, 9_000] }),
      2_000_000n,
    ],
    ['another unit', units, call({ cost: 1n, valueUnit: 'summary' }), 150_000n],
    ['a unit the plan does not price: the markup', units, call({ cost: 1_000n, valueUnit: 'other' }), 1_250n],
    ['an inherited name is not a unit', units, call({ cost: 1_000n, valueUnit: 'constructor' }), 1_250n],
    [
      'a cached unit call pays the hit share',
      plan({ units: { r: 3n }, cachedHitBps: 5000 }),
      call({ valueUnit: 'r', cacheStatus: 'hit' }),
      2n,
    ],
  ]);
});

describe('sessions', () => {
  const perAction = plan({
    markupBps: 2500,
    session: { mode: 'per_action', actionPrice: 500_000n, costCap: null },
  });
  const perEvent = plan({
    markupBps: 2500,
    session: { mode: 'per_event', actionPrice: null, costCap: 10_000n },
  });
  golden([
    ['per event: each call priced', perEvent, call({ cost: 1_001n, sessionId: 's1' }), 1_251n],
    [
      'per action: calls of the session are 0 (the action is charged apart)',
      perAction,
      call({ cost: 1_001n, sessionId: 's1' }),
      0n,
    ],
    ['per action: a call outside any session is priced per event', perAction, call({ cost: 1_001n }), 1_251n],
    [
      'per action: no minimum on a zeroed call',
      plan({ ...perAction, minimumCharge: 9n }),
      call({ cost: 5n, sessionId: 's' }),
      0n,
    ],
  ]);
});

describe('outcomes', () => {
  const outcome = plan({
    markupBps: 2500,
    minimumCharge: 50n,
    units: { r: 7n },
    outcomes: { ticket_resolved: 1_500_000n },
  });
  golden([
    [
      'a call of an outcome plan is 0 (costed, not charged)',
      outcome,
      call({ cost: 1_001n, sessionId: 's' }),
      0n,
    ],
    ['outside a session too', outcome, call({ cost: 1_001n }), 0n],
    ['a value unit call too', outcome, call({ valueUnit: 'r' }), 0n],
  ]);
});

describe('breakdown', () => {
  it('says how the price was made', () => {
    const p = plan({ markupBps: 2500, cachedHitBps: 5000, minimumCharge: 700n });
    expect(priceCall(p, call({ cost: 1_001n, cacheStatus: 'hit' })).breakdown).toEqual({
      basis: 'markup',
      exact: { numerator: 1_001n * 12_500n * 5_000n, denominator: 10_000n * 10_000n },
      cachedHit: true,
      zeroedBy: null,
      minimumApplied: true,
    });
  });

  it('the hold price of a call is at least its price as a cache hit or a miss', () => {
    const p = plan({ markupBps: 3333, cachedHitBps: 9999, minimumCharge: 3n });
    for (let cost = 0n; cost < 200n; cost++) {
      const hit = priceCall(p, call({ cost, cacheStatus: 'hit' })).price;
      expect(maxPriceCall(p, call({ cost }))).toBeGreaterThanOrEqual(hit);
    }
  });
});
