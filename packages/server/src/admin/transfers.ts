import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { transactionJson, walletJson } from './views.ts';

/** Transfers: live credits moved between two wallets of one customer, keeping their expiry. */
export function transferRoutes(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createTransfer;
  bindRoute(app, route, async ({ body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: {
        kind: 'transfer',
        fromWalletId: body.from_wallet_id,
        toWalletId: body.to_wallet_id,
        amount: body.amount,
        reason: body.reason ?? null,
      },
      operation: route.operationId,
      params: {},
      body,
      idempotencyKey,
    });
    return {
      body: {
        ...transactionJson(value.transaction),
        from_wallet: walletJson(value.from),
        to_wallet: walletJson(value.to),
      },
      replayed,
    };
  });
}
