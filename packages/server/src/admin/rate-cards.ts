import { adminRoutes, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { findRateCard, newId, type RateCard } from '@tollgate/domain';
import type { RateCardRow } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { builtinProviders } from '../gateway/providers.ts';
import { builtinRateCards, rateCardFromBody } from '../gateway/rate-cards.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, instantJsonOrNull, moneyJson } from '../http/json-values.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { listJson } from './views.ts';

export type RateCardJson = RouteResponse<typeof adminRoutes.createRateCard>;
type CreateRateCardBody = RouteInput<typeof adminRoutes.createRateCard>['body'];
type ListRateCardsQuery = RouteInput<typeof adminRoutes.listRateCards>['query'];

/** The built-in providers always exist, whatever the environment configures for them. */
const BUILTIN_PROVIDER_IDS = builtinProviders({}).map((p) => p.id);

const moneyOrNull = (micros: bigint | null): number | null => (micros === null ? null : moneyJson(micros));

function rateCardJson(card: RateCard | RateCardRow, configured: readonly RateCard[] = []): RateCardJson {
  const stored = 'id' in card;
  return {
    id: stored ? card.id : null,
    object: 'rate_card',
    provider: card.provider,
    model: card.model,
    effective_from: instantJson(card.effectiveFrom),
    input: moneyJson(card.input),
    output: moneyJson(card.output),
    cached_input: moneyOrNull(card.cachedInput),
    cache_write: moneyOrNull(card.cacheWrite),
    cache_write_1h: moneyOrNull(card.cacheWrite1h ?? null),
    reasoning: moneyOrNull(card.reasoning),
    per_request: moneyJson(card.perRequest),
    per_image: moneyJson(card.perImage ?? 0n),
    tiers: (card.tiers ?? []).map((t) => ({
      above_input_tokens: t.aboveInputTokens,
      input: moneyJson(t.input),
      output: moneyJson(t.output),
      cached_input: moneyOrNull(t.cachedInput ?? null),
      cache_write: moneyOrNull(t.cacheWrite ?? null),
      cache_write_1h: moneyOrNull(t.cacheWrite1h ?? null),
      reasoning: moneyOrNull(t.reasoning ?? null),
    })),
    source: stored ? 'api' : configured.includes(card) ? 'config' : 'builtin',
    created_at: stored ? instantJsonOrNull(card.createdAt) : null,
  };
}

/** A card for a provider nobody configured would never apply: refuse the typo instead. */
async function checkProvider(deps: AdminDeps, provider: string): Promise<void> {
  if (BUILTIN_PROVIDER_IDS.includes(provider) || deps.gateway?.providers.map().has(provider)) return;
  const stored = await gatewayData(deps.store).listProviders();
  if (stored.some((p) => p.id === provider)) return;
  throw new ApiError(
    'provider_not_found',
    `No provider ${provider}; add it with POST /api/v1/providers first, or check its spelling.`,
    'provider',
  );
}

async function createRateCard(deps: AdminDeps, body: CreateRateCardBody): Promise<RateCardJson> {
  await checkProvider(deps, body.provider);
  // From here to add() nothing is awaited: a card that starts "now" starts the millisecond after
  // it is in memory, so no call is priced by a card it could not have seen, nor misses one it should.
  const now = Date.now();
  const card: RateCardRow = { id: newId('rc'), ...rateCardFromBody(body, now + 1), createdAt: now };
  deps.gateway?.rateCards.add(card);
  try {
    await gatewayData(deps.store).addRateCard(card);
  } catch (error) {
    deps.gateway?.rateCards.forget(card);
    throw error;
  }
  await deps.gateway?.rateCards.reload();
  return rateCardJson(card);
}

/** How a card's model relates to a model name: 2 exact, 1 family, 0 neither (as findRateCard ranks them). */
function matchRank(cardModel: string, model: string): number {
  if (cardModel === model) return 2;
  return model.startsWith(`${cardModel}-`) ? 1 : 0;
}

/**
 * The version of each provider+model card in effect at the query's instant, chosen with the
 * gateway's own findRateCard. Read from the store, not the runtime's copy, so that a card added
 * on another instance shows at once.
 */
async function listEffective(deps: AdminDeps, query: ListRateCardsQuery): Promise<RateCardJson[]> {
  // Absent: the cards that price the next call (a card added "now" starts the next millisecond).
  const at = query.at ?? Date.now() + 1;
  const all: (RateCard | RateCardRow)[] = [
    ...builtinRateCards(),
    ...(deps.gateway?.rateCards.configured ?? []),
    ...(await gatewayData(deps.store).listRateCards()),
  ];
  const versions = new Map<string, (RateCard | RateCardRow)[]>();
  for (const card of all) {
    if (query.provider !== undefined && card.provider !== query.provider) continue;
    if (query.model !== undefined && matchRank(card.model, query.model) === 0) continue;
    const key = `${card.provider}\u0000${card.model}`;
    versions.set(key, [...(versions.get(key) ?? []), card]);
  }
  const effective: (RateCard | RateCardRow)[] = [];
  for (const group of versions.values()) {
    const first = group[0]!;
    const card = findRateCard(group, first.provider, first.model, at);
    if (card) effective.push(card);
  }
  const model = query.model;
  return effective
    .sort((a, b) =>
      model === undefined
        ? compare(a.provider, b.provider) || compare(a.model, b.model)
        : matchRank(b.model, model) - matchRank(a.model, model) ||
          b.model.length - a.model.length ||
          compare(a.provider, b.provider),
    )
    .map((card) => rateCardJson(card, deps.gateway?.rateCards.configured));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Rate cards: what providers charge (cost), versioned, applied from the next gateway call. */
export function rateCardRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createRateCard, async ({ body }) => ({
    body: await createRateCard(deps, body),
  }));

  bindRoute(app, adminRoutes.listRateCards, async ({ query }) => ({
    body: listJson(await listEffective(deps, query), null),
  }));
}
