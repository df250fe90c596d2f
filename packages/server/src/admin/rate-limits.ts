import { adminRoutes, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { newId } from '@tollgate/domain';
import { type RateLimitRow, type RateLimitStore, rateLimitStore, type Store } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson } from '../http/json-values.ts';
import type { AdminDeps } from './deps.ts';
import { listJson } from './views.ts';

export type RateLimitJson = RouteResponse<typeof adminRoutes.createRateLimit>;
type CreateRateLimitBody = RouteInput<typeof adminRoutes.createRateLimit>['body'];

/** At most this many scopes: every gateway call checks each one (GET lists them all, unpaged). */
export const RATE_LIMITS_MAX = 10_000;

const stores = new WeakMap<Store, RateLimitStore>();
function limitsData(store: Store): RateLimitStore {
  let data = stores.get(store);
  if (!data) {
    data = rateLimitStore(store);
    stores.set(store, data);
  }
  return data;
}

export function rateLimitJson(row: RateLimitRow): RateLimitJson {
  return {
    id: row.id,
    object: 'rate_limit',
    scope: { customer_id: row.customerId, user_id: row.userId, model: row.model, key_id: row.keyId },
    requests_per_minute: row.requestsPerMinute,
    tokens_per_minute: row.tokensPerMinute,
    created_at: instantJson(row.createdAt),
    updated_at: instantJson(row.updatedAt),
  };
}

async function createRateLimit(deps: AdminDeps, body: CreateRateLimitBody): Promise<RateLimitJson> {
  const data = limitsData(deps.store);
  const existing = await data.listRateLimits();
  if (existing.length >= RATE_LIMITS_MAX) {
    throw new ApiError(
      'parameter_invalid',
      `There are already ${RATE_LIMITS_MAX} rate limits; delete some, or limit by a wider scope.`,
      'scope',
    );
  }
  const now = Date.now();
  const row = await data.upsertRateLimit({
    id: newId('rl'),
    customerId: body.scope.customer_id ?? null,
    userId: body.scope.user_id ?? null,
    model: body.scope.model ?? null,
    keyId: body.scope.key_id ?? null,
    requestsPerMinute: body.requests_per_minute ?? null,
    tokensPerMinute: body.tokens_per_minute ?? null,
    createdAt: now,
    updatedAt: now,
  });
  await deps.gateway?.rateLimiter?.rules.reload();
  return rateLimitJson(row);
}

async function deleteRateLimit(deps: AdminDeps, id: string) {
  if (!(await limitsData(deps.store).deleteRateLimit(id))) {
    throw new ApiError(
      'rate_limit_not_found',
      `No rate limit ${id}; list them with GET /api/v1/rate-limits.`,
    );
  }
  await deps.gateway?.rateLimiter?.rules.reload();
  return { id, object: 'rate_limit' as const, deleted: true as const };
}

/** Rate limits per scope, read by every gateway instance (reloaded here, polled elsewhere). */
export function rateLimitRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createRateLimit, async ({ body }) => ({
    body: await createRateLimit(deps, body),
  }));

  bindRoute(app, adminRoutes.listRateLimits, async () => ({
    body: listJson((await limitsData(deps.store).listRateLimits()).map(rateLimitJson), null),
  }));

  bindRoute(app, adminRoutes.deleteRateLimit, async ({ params }) => ({
    body: await deleteRateLimit(deps, params.id),
  }));
}
