import { findRateCard, type RateCard } from '@tollgate/domain';
import builtin from '@tollgate/providers/rate-cards.json' with { type: 'json' };
import type { GatewayStore } from '@tollgate/storage';

/** How often an instance checks the shared store for rate card changes made elsewhere. */
export const RATE_CARD_POLL_MS = 2_000;

interface BuiltinCard {
  provider: string;
  model: string;
  input: number;
  output: number;
  cached_input?: number;
  cache_write?: number;
  reasoning?: number;
  per_request?: number;
}

const big = (value: number | undefined): bigint | null => (value === undefined ? null : BigInt(value));

/** The catalog shipped with Tollgate (packages/providers/src/catalog/rate-cards.json). */
export function builtinRateCards(): RateCard[] {
  const effectiveFrom = Date.parse(builtin.effective_from);
  return (builtin.cards as BuiltinCard[]).map((c) => ({
    provider: c.provider,
    model: c.model,
    effectiveFrom,
    input: BigInt(c.input),
    output: BigInt(c.output),
    cachedInput: big(c.cached_input),
    cacheWrite: big(c.cache_write),
    reasoning: big(c.reasoning),
    perRequest: BigInt(c.per_request ?? 0),
  }));
}

/**
 * Rate cards in memory for the hot path: the built-in catalog, the config file's, then the
 * versions added through the admin API (a later version with the same start wins). A change applies from the next call on this instance, and
 * within RATE_CARD_POLL_MS on every instance sharing the store.
 */
export class RateCards {
  private cards: RateCard[];
  private version = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: GatewayStore,
    readonly configured: readonly RateCard[] = [],
  ) {
    this.cards = [...builtinRateCards(), ...configured];
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => {}), RATE_CARD_POLL_MS);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    const version = await this.store.rateCardsVersion();
    if (version === this.version) return;
    const stored = await this.store.listRateCards();
    this.cards = [...builtinRateCards(), ...this.configured, ...stored];
    this.version = version;
  }

  find(provider: string, model: string, at: number): RateCard | null {
    return findRateCard(this.cards, provider, model, at);
  }

  all(): readonly RateCard[] {
    return this.cards;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
