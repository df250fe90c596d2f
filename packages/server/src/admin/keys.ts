import { adminRoutes, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { newId } from '@tollgate/domain';
import type { Store, VirtualKeyRow } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { generateVirtualKey } from '../gateway/keys.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, instantJsonOrNull } from '../http/json-values.ts';
import { pageById } from '../http/pagination.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { listJson } from './views.ts';

export type KeyJson = RouteResponse<typeof adminRoutes.getKey>;
export type CreateKeyBody = RouteInput<typeof adminRoutes.createKey>['body'];

function keyStatus(key: VirtualKeyRow, now: number): KeyJson['status'] {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

/** A key as the API shows it: the prefix, never the key nor its digest. */
export function keyJson(key: VirtualKeyRow, now: number): KeyJson {
  return {
    id: key.id,
    object: 'key',
    prefix: key.prefix,
    name: key.name,
    customer_id: key.customerId,
    team_id: key.teamId,
    user_id: key.userId,
    feature: key.feature,
    models: key.models,
    wallet_id: key.walletId,
    end_stream_on_hold_exhausted: key.endStreamOnHoldExhausted,
    requests_per_minute: key.requestsPerMinute ?? null,
    tokens_per_minute: key.tokensPerMinute ?? null,
    status: keyStatus(key, now),
    expires_at: instantJsonOrNull(key.expiresAt),
    revoked_at: instantJsonOrNull(key.revokedAt),
    created_at: instantJson(key.createdAt),
  };
}

/** The customer must exist and a named wallet must be one of its own. */
async function checkOwner(store: Store, body: CreateKeyBody): Promise<void> {
  if (!(await store.getCustomer(body.customer_id))) {
    throw new ApiError(
      'customer_not_found',
      `No customer ${body.customer_id}; create it with POST /api/v1/customers first.`,
      'customer_id',
    );
  }
  if (body.wallet_id === undefined) return;
  const wallet = await store.getWallet(body.wallet_id);
  if (!wallet) {
    throw new ApiError('wallet_not_found', `No wallet ${body.wallet_id}; check the id.`, 'wallet_id');
  }
  if (wallet.customerId !== body.customer_id) {
    throw new ApiError(
      'customer_mismatch',
      `Wallet ${body.wallet_id} belongs to another customer; pick one of ${body.customer_id}'s wallets.`,
      'wallet_id',
    );
  }
}

/**
 * Creates a virtual key (for the API and the CLI alike): checks its owner, stores the digest and
 * returns the row with the key, which exists nowhere else from then on. Refusals are ApiErrors.
 */
export async function issueKey(
  store: Store,
  body: CreateKeyBody,
  now: number,
): Promise<{ row: VirtualKeyRow; key: string }> {
  await checkOwner(store, body);
  const { key, digest, prefix } = generateVirtualKey();
  const row: VirtualKeyRow = {
    id: newId('key'),
    digest,
    prefix,
    name: body.name ?? null,
    customerId: body.customer_id,
    teamId: body.team_id ?? null,
    userId: body.user_id ?? null,
    feature: body.feature ?? null,
    models: body.models ?? null,
    walletId: body.wallet_id ?? null,
    endStreamOnHoldExhausted: body.end_stream_on_hold_exhausted,
    expiresAt: body.expires_at ?? null,
    revokedAt: null,
    createdAt: now,
    requestsPerMinute: body.requests_per_minute ?? null,
    tokensPerMinute: body.tokens_per_minute ?? null,
  };
  await gatewayData(store).createKey(row);
  return { row, key };
}

async function createKey({ store }: AdminDeps, body: CreateKeyBody) {
  const now = Date.now();
  const { row, key } = await issueKey(store, body, now);
  return { ...keyJson(row, now), key };
}

function keyNotFound(id: string): ApiError {
  return new ApiError('key_not_found', `No key ${id}; list keys with GET /api/v1/keys.`);
}

/** Virtual keys: what gateway callers authenticate with, bound to one customer. */
export function keyRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createKey, async ({ body }) => ({ body: await createKey(deps, body) }));

  bindRoute(app, adminRoutes.listKeys, async ({ query }) => {
    const page = await pageById('keys', query, (afterId, limit) =>
      gatewayData(deps.store).listKeys(query.customer_id ?? null, afterId, limit),
    );
    const now = Date.now();
    return {
      body: listJson(
        page.items.map((key) => keyJson(key, now)),
        page.nextCursor,
      ),
    };
  });

  bindRoute(app, adminRoutes.getKey, async ({ params }) => {
    const key = await gatewayData(deps.store).getKey(params.id);
    if (!key) throw keyNotFound(params.id);
    return { body: keyJson(key, Date.now()) };
  });

  bindRoute(app, adminRoutes.revokeKey, async ({ params }) => {
    const key = await gatewayData(deps.store).revokeKey(params.id, Date.now());
    if (!key) throw keyNotFound(params.id);
    // This instance's cache would otherwise accept the key for up to KEY_CACHE_TTL_MS more.
    deps.gateway?.keys.invalidate();
    return { body: keyJson(key, Date.now()) };
  });
}
