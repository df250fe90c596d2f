import { adminRoutes } from '@tollgate/contract';
import { ownPrice } from '@tollgate/domain';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, moneyJson } from '../http/json-values.ts';
import { chargeEvent } from '../pricing/charges.ts';
import { chargeTarget } from './charge-target.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { walletJson } from './views.ts';

/**
 * Value units delivered outside the gateway: the plan's unit price × quantity, deducted from the
 * customer's usd wallet and metered (cost 0) in the same transaction. It always lands: what the
 * wallet cannot cover is owed, as for any usage that already happened.
 */
export function unitRoutes(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.createUnitEvent;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { plan, wallet } = await chargeTarget(deps, body.customer_id);
    const unitPrice = plan ? ownPrice(plan.units, params.unit) : null;
    if (unitPrice === null) {
      throw new ApiError(
        'unit_not_priced',
        `Customer ${body.customer_id}'s plan${plan ? ` (${plan.id})` : ''} has no price for unit ${params.unit}; add it to a plan's units.`,
        'unit',
      );
    }
    const price = unitPrice * BigInt(body.quantity);
    const at = Date.now();
    const event = chargeEvent({
      customerId: body.customer_id,
      walletId: wallet.id,
      unit: wallet.unit,
      api: 'unit_event',
      model: params.unit,
      valueUnit: params.unit,
      sessionId: body.session_id ?? null,
      traceId: body.trace_id ?? null,
      feature: body.feature ?? null,
      price,
      at,
    });
    const { value, replayed } = await submit(deps.ledger, {
      command: {
        kind: 'deduct',
        walletId: wallet.id,
        amount: price,
        reason: `${body.quantity} × ${params.unit}`,
        owe: true,
        usageEvent: event,
      },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return {
      body: {
        // The deduction's id: stable on a replay, and the usage event's transaction_id.
        id: value.transaction.id,
        object: 'unit_event' as const,
        customer_id: body.customer_id,
        unit: params.unit,
        quantity: body.quantity,
        unit_price: moneyJson(unitPrice),
        price: moneyJson(price),
        session_id: body.session_id ?? null,
        transaction_id: value.transaction.id,
        wallet: walletJson(value.wallet),
        created_at: instantJson(value.transaction.createdAt),
      },
      replayed,
    };
  });
}
