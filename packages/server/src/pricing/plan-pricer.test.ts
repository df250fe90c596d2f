import { newId, PASS_THROUGH_PLAN, type PricePlan } from '@tollgate/domain';
import { Ledger, pricingStore } from '@tollgate/storage';
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { PlanPricer } from './plan-pricer.ts';
import type { CallPricing } from './pricer.ts';

const call = (customerId: string, cost: bigint): CallPricing => ({
  customerId,
  provider: 'openai',
  model: 'gpt-4o-mini',
  usage: {
    inputTokens: 1,
    outputTokens: 1,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  },
  cost,
  cacheStatus: 'miss',
  valueUnit: null,
  sessionId: null,
  at: Date.now(),
});

describeStores('PlanPricer', (ctx) => {
  let now = 0;
  let pricer: PlanPricer;
  const plan = (markupBps: number): PricePlan => ({ ...PASS_THROUGH_PLAN, id: newId('plan'), markupBps });
  const customer = async () => {
    const id = newId('cus');
    await ctx.store.createCustomer({ id, name: null, metadata: null, createdAt: 0 });
    return id;
  };

  beforeAll(() => {
    pricer = new PlanPricer(pricingStore(ctx.store), new Ledger(ctx.store), () => now);
  });

  it('prices by the assigned plan, else the default, else pass-through; caches for a second', async () => {
    const data = pricingStore(ctx.store);
    const alone = await customer();
    expect(await pricer.price(call(alone, 1_000n))).toBe(1_000n);
    const fallback = plan(1000);
    await data.createPlan({ plan: fallback, isDefault: true, createdAt: 0 });
    // Cached as pass-through until the cache expires (or is invalidated).
    expect(await pricer.price(call(alone, 1_000n))).toBe(1_000n);
    now += 1_001;
    expect(await pricer.price(call(alone, 1_000n))).toBe(1_100n);
    const assigned = plan(5000);
    await data.createPlan({ plan: assigned, isDefault: false, createdAt: 0 });
    await data.assignPlan(alone, assigned.id, 0);
    pricer.invalidate();
    expect(await pricer.price(call(alone, 1_000n))).toBe(1_500n);
    expect(await pricer.maxPrice(call(alone, 3n))).toBe(5n); // 4.5 → 5
    expect(await pricer.price(call(await customer(), 1_000n))).toBe(1_100n);
  });
});
