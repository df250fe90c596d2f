import { adminRoutes } from '@tollgate/contract';
import { newId, ownPrice } from '@tollgate/domain';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { chargeTarget } from './charge-target.ts';
import type { AdminDeps } from './deps.ts';
import { outcomeJson, pricingData } from './pricing-views.ts';
import { submit } from './submit.ts';

/**
 * Outcomes: a business event of a session or trace, charged at its plan price once per
 * Idempotency-Key (the ledger deduction is keyed; the outcome row is unique per customer and key,
 * so a replay, even after a crash between the two, returns the first outcome).
 */
export function outcomeRoutes(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createOutcome;
  bindRoute(app, route, async ({ body, idempotencyKey }) => {
    const { plan, wallet } = await chargeTarget(deps, body.customer_id);
    const price = plan ? ownPrice(plan.outcomes, body.type) : null;
    if (price === null) {
      throw new ApiError(
        'outcome_not_priced',
        `Customer ${body.customer_id}'s plan${plan ? ` (${plan.id})` : ''} has no price for outcome ${body.type}; add it to a plan's outcomes.`,
        'type',
      );
    }
    const { value, replayed } = await submit(deps.ledger, {
      // No usage event: an outcome is not usage; its price lives in the outcomes table, which
      // session reads and the margin report (cost per success) add to the sessions' events.
      command: {
        kind: 'deduct',
        walletId: wallet.id,
        amount: price,
        reason: `outcome ${body.type}`,
        owe: true,
      },
      operation: route.operationId,
      params: {},
      body,
      idempotencyKey,
    });
    const outcome = await pricingData(deps.store).createOutcome({
      id: newId('out'),
      customerId: body.customer_id,
      type: body.type,
      sessionId: body.session_id ?? null,
      traceId: body.trace_id ?? null,
      price,
      transactionId: value.transaction.id,
      idempotencyKey,
      createdAt: value.transaction.createdAt,
    });
    return { body: outcomeJson(outcome), replayed };
  });
}
