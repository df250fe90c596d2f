import type { MeteredEvent } from '@tollgate/storage';

/** Shape of a generated usage history: who, what, how long. */
export interface UsageShape {
  events: number;
  fromMs: number;
  days: number;
  customers: number;
  users: number;
  features: number;
  seed: number;
}

const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini', inputRate: 150n, outputRate: 600n },
  { provider: 'openai', model: 'gpt-4o', inputRate: 2_500n, outputRate: 10_000n },
  { provider: 'anthropic', model: 'claude-sonnet-4', inputRate: 3_000n, outputRate: 15_000n },
  { provider: 'anthropic', model: 'claude-haiku-4', inputRate: 800n, outputRate: 4_000n },
];
const ENVS = ['prod', 'staging', 'dev'];

/** mulberry32: a small seeded generator, so every run (and both stores) gets the same events. */
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
 * Deterministic usage events spread over `days`: users belong to customers (and teams of them),
 * features sell at markups that make some of them lose money, one call in ten is a cache hit,
 * tags carry an environment and a request kind. Yields batches so a million never sit in memory.
 */
export function* generateUsage(shape: UsageShape, batch = 5_000): Generator<MeteredEvent[]> {
  const next = random(shape.seed);
  const pick = (n: number) => Math.floor(next() * n);
  const spanMs = shape.days * 86_400_000;
  for (let start = 0; start < shape.events; start += batch) {
    const events: MeteredEvent[] = [];
    for (let i = start; i < Math.min(shape.events, start + batch); i++) {
      const user = pick(shape.users);
      const customer = user % shape.customers;
      const feature = pick(shape.features);
      const m = MODELS[pick(MODELS.length)]!;
      const inputTokens = 100 + pick(4_000);
      const outputTokens = 10 + pick(1_000);
      const cachedInputTokens = pick(3) === 0 ? Math.floor(inputTokens / 2) : 0;
      const hit = pick(10) === 0;
      const fullCost =
        (BigInt(inputTokens) * m.inputRate + BigInt(outputTokens) * m.outputRate + 500n) / 1_000n;
      const cost = hit ? 0n : fullCost;
      // Feature 0 is sold below cost: the one "which feature loses money" must find.
      const markupPct = feature === 0 ? 80n : 100n + BigInt(feature * 10);
      const price = (fullCost * markupPct + 50n) / 100n;
      events.push({
        id: `evt_${shape.seed}_${i}`,
        requestId: `req_${shape.seed}_${i}`,
        customerId: `cus_${customer}`,
        teamId: user % 3 === 0 ? null : `team_${customer}_${user % 3}`,
        userId: `user_${user}`,
        feature: feature === shape.features - 1 ? null : `feature_${feature}`,
        sessionId: `ses_${user}_${pick(20)}`,
        traceId: null,
        tags:
          pick(5) === 0 ? null : { env: ENVS[pick(ENVS.length)]!, kind: pick(2) ? 'chat' : 'tool, "call"' },
        keyId: null,
        walletId: `wal_${customer}`,
        provider: m.provider,
        model: m.model,
        api: 'chat_completions',
        valueUnit: pick(4) === 0 ? 'report' : null,
        inputTokens,
        outputTokens,
        cachedInputTokens,
        cacheCreationInputTokens: pick(8) === 0 ? 50 : 0,
        reasoningTokens: pick(6) === 0 ? Math.floor(outputTokens / 3) : 0,
        estimated: pick(20) === 0,
        cost,
        price,
        unit: customer % 7 === 6 ? 'credits' : 'usd',
        cacheStatus: hit ? 'hit' : 'miss',
        status: 'ok',
        latencyMs: 50 + pick(2_000),
        upstreamRequestId: null,
        holdId: null,
        transactionId: null,
        createdAt: shape.fromMs + Math.floor((i / shape.events) * spanMs) + pick(1_000),
        cacheSavings: hit ? fullCost : 0n,
      });
    }
    yield events;
  }
}
