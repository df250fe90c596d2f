import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { transactionJson, walletJson } from './views.ts';

/** Deductions: spending without a hold, refused with 402 when the wallet cannot cover it. */
export function deductionRoutes(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createDeduction;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: {
        kind: 'deduct',
        walletId: params.id,
        amount: body.amount,
        unit: body.unit,
        reason: body.reason ?? null,
        metadata: body.metadata ?? null,
      },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return { body: { ...transactionJson(value.transaction), wallet: walletJson(value.wallet) }, replayed };
  });
}
