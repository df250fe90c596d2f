import { adminRoutes, SESSION_EVENTS_MAX } from '@tollgate/contract';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJsonOrNull, moneyJson } from '../http/json-values.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { outcomeJson, pricingData } from './pricing-views.ts';
import { usageEventJson } from './usage-events.ts';

/**
 * Sessions: an agent run's usage events (its calls, and what is charged apart from them: its
 * action, value units), its outcomes, and what they all cost and were charged.
 */
export function sessionRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.getSession, async ({ params, query }) => {
    const customerId = query.customer_id;
    const [totals, events, outcomes] = await Promise.all([
      pricingData(deps.store).sessionTotals(customerId, params.id),
      gatewayData(deps.store).listUsageEvents({
        customerId,
        sessionId: params.id,
        limit: SESSION_EVENTS_MAX,
      }),
      pricingData(deps.store).listOutcomes(customerId, params.id),
    ]);
    if (events.data.length === 0 && outcomes.length === 0) {
      throw new ApiError(
        'session_not_found',
        `Customer ${customerId} has no events in session ${params.id} (the x-tollgate-session of its calls).`,
      );
    }
    const { startedAt, endedAt } = totals;
    // Outcomes are charged apart from the events (no usage event): their prices add here.
    const price = outcomes.reduce((sum, outcome) => sum + outcome.price, totals.price);
    return {
      body: {
        id: params.id,
        object: 'session' as const,
        customer_id: customerId,
        events: events.data.map(usageEventJson),
        has_more_events: events.nextSeq !== null,
        requests: totals.requests,
        cost: moneyJson(totals.cost),
        price: moneyJson(price),
        margin: moneyJson(price - totals.cost),
        started_at: instantJsonOrNull(startedAt),
        ended_at: instantJsonOrNull(endedAt),
        duration_ms: startedAt === null || endedAt === null ? 0 : endedAt - startedAt,
        outcomes: outcomes.map(outcomeJson),
      },
    };
  });
}
