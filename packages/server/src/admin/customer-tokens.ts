import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { customerTokensFor } from '../customer-tokens/tokens.ts';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson } from '../http/json-values.ts';
import type { AdminDeps } from './deps.ts';

/** The token service of these deps: the one given, else the store's own. */
export function tokenService(deps: AdminDeps) {
  return deps.customer?.tokens ?? customerTokensFor(deps.store, deps.gateway?.secrets ?? null);
}

/** The JWKS, public: whoever holds a token may check it without asking Tollgate. */
export function jwksRoute(app: Hono, deps: AdminDeps): void {
  app.get(adminRoutes.getCustomerTokenJwks.path, async (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(await tokenService(deps).jwks());
  });
}

/** Minting customer tokens and rotating their signing key (admin key). */
export function customerTokenRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createCustomerToken, async ({ body }) => {
    if (!(await deps.store.getCustomer(body.customer_id)))
      throw new ApiError(
        'customer_not_found',
        `No customer ${body.customer_id}; create it with POST /api/v1/customers first.`,
        'customer_id',
      );
    const userId = body.user_id ?? null;
    const minted = await tokenService(deps).mint({ customerId: body.customer_id, userId }, body.ttl_s);
    return {
      body: {
        object: 'customer_token' as const,
        token: minted.token,
        customer_id: body.customer_id,
        user_id: userId,
        kid: minted.kid,
        expires_at: instantJson(minted.expiresAtMs),
      },
    };
  });

  bindRoute(app, adminRoutes.rotateCustomerTokenKeys, async () => {
    const row = await tokenService(deps).rotate();
    return {
      body: {
        object: 'customer_token_key' as const,
        kid: row.kid,
        algorithm: row.algorithm,
        created_at: instantJson(row.createdAt),
      },
    };
  });
}
