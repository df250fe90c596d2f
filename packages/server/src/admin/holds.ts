import { adminRoutes } from '@tollgate/contract';
import type { Hold } from '@tollgate/domain';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { holdJson, transactionJson, walletJson } from './views.ts';

/**
 * A hold as a read sees it now: an open hold past its expiry is already expired (the ledger
 * refuses to capture it), whether or not the expiry job has settled it yet.
 */
function currentHold(hold: Hold, now: number): Hold {
  return hold.status === 'open' && hold.expiresAt <= now ? { ...hold, status: 'expired' } : hold;
}

function placeHold(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createHold;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: {
        kind: 'hold',
        walletId: params.id,
        amount: body.amount,
        unit: body.unit,
        ttlMs: body.ttl_ms,
        capturePolicy: body.capture_policy,
        metadata: body.metadata ?? null,
      },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return { body: { ...holdJson(value.hold), wallet: walletJson(value.wallet) }, replayed };
  });
}

function captureHold(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.captureHold;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: { kind: 'capture', holdId: params.id, amount: body.amount, reason: body.reason ?? null },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    const transactions = value.transactions.map(transactionJson);
    return { body: { ...holdJson(value.hold), transactions, wallet: walletJson(value.wallet) }, replayed };
  });
}

function releaseHold(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.releaseHold;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: { kind: 'release', holdId: params.id },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return { body: { ...holdJson(value.hold), wallet: walletJson(value.wallet) }, replayed };
  });
}

/** Holds: credits reserved before a call, then captured, released, or left to expire. */
export function holdRoutes(app: Hono, deps: AdminDeps): void {
  placeHold(app, deps);
  bindRoute(app, adminRoutes.getHold, async ({ params }) => {
    const hold = await deps.store.getHold(params.id);
    if (!hold) throw new ApiError('hold_not_found', `No hold ${params.id}; check the id.`);
    return { body: holdJson(currentHold(hold, Date.now())) };
  });
  captureHold(app, deps);
  releaseHold(app, deps);
}
