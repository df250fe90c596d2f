import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { grantJson, listJson, walletJson } from './views.ts';
import { currentWallet } from './wallets.ts';

/** Grants: credits added to a wallet as a lot, with optional expiry and a priority. */
export function grantRoutes(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createGrant;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: {
        kind: 'grant',
        walletId: params.id,
        amount: body.amount,
        unit: body.unit,
        source: body.source,
        expiresAt: body.expires_at ?? null,
        priority: body.priority,
        reason: body.reason ?? null,
        metadata: body.metadata ?? null,
      },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return { body: { ...grantJson(value.lot), wallet: walletJson(value.wallet) }, replayed };
  });

  bindRoute(app, adminRoutes.listGrants, async ({ params }) => {
    await currentWallet(deps, params.id);
    const lots = await deps.store.listLots(params.id);
    return { body: listJson(lots.map(grantJson), null) };
  });
}
