import { createRateCardBody } from '@tollgate/contract';
import { findRateCard, type RateCard, type RateTier } from '@tollgate/domain';
import builtin from '@tollgate/providers/rate-cards.json' with { type: 'json' };
import type { GatewayStore, RateCardRow } from '@tollgate/storage';
import type { z } from 'zod';

/** How often an instance checks the shared store for rate card changes made elsewhere. */
export const RATE_CARD_POLL_MS = 2_000;

/** A rate card as the admin API, the config file and the built-in catalog write it. */
export type RateCardBody = z.output<typeof createRateCardBody>;

/** The domain's card from a validated body; `effectiveFrom` when the body names no start. */
export function rateCardFromBody(body: RateCardBody, effectiveFrom: number): RateCard {
  return {
    provider: body.provider,
    model: body.model,
    effectiveFrom: body.effective_from ?? effectiveFrom,
    input: body.input,
    output: body.output,
    cachedInput: body.cached_input ?? null,
    cacheWrite: body.cache_write ?? null,
    cacheWrite1h: body.cache_write_1h ?? null,
    reasoning: body.reasoning ?? null,
    perRequest: body.per_request,
    perImage: body.per_image,
    tiers: body.tiers.map(
      (t): RateTier => ({
        aboveInputTokens: t.above_input_tokens,
        input: t.input,
        output: t.output,
        cachedInput: t.cached_input ?? null,
        cacheWrite: t.cache_write ?? null,
        cacheWrite1h: t.cache_write_1h ?? null,
        reasoning: t.reasoning ?? null,
      }),
    ),
  };
}

let catalog: readonly RateCard[] | null = null;

/**
 * The catalog shipped with Tollgate (packages/providers/src/catalog/rate-cards.json), validated
 * once with the API's own schema: a card the API would refuse must not price calls either.
 */
export function builtinRateCards(): RateCard[] {
  if (!catalog) {
    const effectiveFrom = Date.parse(builtin.effective_from);
    catalog = builtin.cards.map((card, i) => {
      const parsed = createRateCardBody.safeParse(card);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`rate-cards.json cards[${i}].${issue?.path.join('.')}: ${issue?.message}`);
      }
      return rateCardFromBody(parsed.data, effectiveFrom);
    });
  }
  return [...catalog];
}

/**
 * Rate cards in memory for the hot path: the built-in catalog, the config file's, then the
 * versions added through the admin API (a later version with the same start wins). A change applies
 * from the next call on this instance, and within RATE_CARD_POLL_MS on every instance sharing the
 * store. A call is priced by the one card it looked up when it was admitted (see Gateway).
 */
export class RateCards {
  private cards: RateCard[];
  private version = '';
  private timer: NodeJS.Timeout | null = null;
  /** Cards added here whose write a reload may not have seen yet (by id). */
  private readonly unsaved = new Map<string, RateCardRow>();

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
    for (const card of stored) this.unsaved.delete(card.id);
    this.cards = [...builtinRateCards(), ...this.configured, ...stored, ...this.unsaved.values()];
    this.version = version;
  }

  /**
   * Puts a card in memory at once, before it is written: a card that starts now must price every
   * call looked up from now on, including those admitted while the write is in flight. It stays
   * through reloads that read the store before the write, until one sees it or `forget` drops it.
   */
  add(card: RateCardRow): void {
    this.unsaved.set(card.id, card);
    this.cards = [...this.cards, card];
  }

  /** Drops a card whose write failed. */
  forget(card: RateCardRow): void {
    this.unsaved.delete(card.id);
    this.cards = this.cards.filter((c) => c !== card);
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
