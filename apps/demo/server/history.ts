import type { MeteredEvent } from '@tollgate/storage';

/** Who the seeded history is spread over: enough variety for every grouping of the usage graph. */
export const FEATURES = ['chat', 'summaries', 'search'] as const;
export const USERS = ['ana', 'ben', 'chen', 'dara'] as const;
const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini', priceMicrosPerCall: 20_000 },
  { provider: 'openai', model: 'gpt-4o', priceMicrosPerCall: 90_000 },
  { provider: 'anthropic', model: 'claude-sonnet-4', priceMicrosPerCall: 120_000 },
] as const;
const DAY_MS = 86_400_000;
export const HISTORY_DAYS = 30;

/** mulberry32: seeded, so every demo start and every screenshot shows the same history. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * 30 days of calls for one customer, busier on weekdays and growing over the month, so the graph
 * has a shape worth looking at. Prices are sized so the month costs tens of dollars.
 */
export function usageHistory(customerId: string, walletId: string, nowMs: number): MeteredEvent[] {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const events: MeteredEvent[] = [];
  for (let day = HISTORY_DAYS - 1; day >= 0; day--) {
    const dayStartMs = nowMs - (day + 1) * DAY_MS;
    const weekday = new Date(dayStartMs).getUTCDay() % 6 !== 0;
    const calls = Math.round((weekday ? 10 : 4) + (HISTORY_DAYS - day) / 3 + next() * 6);
    for (let i = 0; i < calls; i++) {
      const m = pick(MODELS);
      const inputTokens = 200 + Math.floor(next() * 3_000);
      const outputTokens = 50 + Math.floor(next() * 800);
      const price = BigInt(Math.round(m.priceMicrosPerCall * (0.5 + next())));
      const n = events.length;
      events.push({
        id: `evt_demo_${n}`,
        requestId: `req_demo_${n}`,
        customerId,
        teamId: null,
        userId: pick(USERS),
        feature: pick(FEATURES),
        sessionId: null,
        traceId: null,
        tags: null,
        keyId: null,
        walletId,
        provider: m.provider,
        model: m.model,
        api: 'chat_completions',
        valueUnit: null,
        inputTokens,
        outputTokens,
        cachedInputTokens: 0,
        cacheCreationInputTokens: 0,
        reasoningTokens: 0,
        estimated: false,
        cost: (price * 60n) / 100n,
        price,
        unit: 'usd',
        cacheStatus: 'miss',
        status: 'ok',
        latencyMs: 300 + Math.floor(next() * 1_500),
        upstreamRequestId: null,
        holdId: null,
        transactionId: null,
        createdAt: dayStartMs + Math.floor(next() * DAY_MS),
      });
    }
  }
  return events;
}
