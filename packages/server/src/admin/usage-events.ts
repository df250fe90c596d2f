import { adminRoutes, type RouteResponse } from '@tollgate/contract';
import type { UsageEvent } from '@tollgate/domain';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import { decodeSeqCursor, encodeCursor } from '../http/cursor.ts';
import { instantJson, moneyJson } from '../http/json-values.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { listJson } from './views.ts';

export type UsageEventJson = RouteResponse<typeof adminRoutes.listUsageEvents>['data'][number];

export function usageEventJson(event: UsageEvent): UsageEventJson {
  return {
    id: event.id,
    object: 'usage_event',
    request_id: event.requestId,
    customer_id: event.customerId,
    team_id: event.teamId,
    user_id: event.userId,
    feature: event.feature,
    session_id: event.sessionId,
    trace_id: event.traceId,
    tags: event.tags,
    key_id: event.keyId,
    wallet_id: event.walletId,
    provider: event.provider,
    model: event.model,
    api: event.api,
    value_unit: event.valueUnit,
    input_tokens: event.inputTokens,
    output_tokens: event.outputTokens,
    cached_input_tokens: event.cachedInputTokens,
    cache_creation_input_tokens: event.cacheCreationInputTokens,
    reasoning_tokens: event.reasoningTokens,
    estimated: event.estimated,
    cost: moneyJson(event.cost),
    price: moneyJson(event.price),
    margin: moneyJson(event.price - event.cost),
    unit: event.unit,
    cache_status: event.cacheStatus,
    status: event.status,
    latency_ms: event.latencyMs,
    upstream_request_id: event.upstreamRequestId,
    hold_id: event.holdId,
    transaction_id: event.transactionId,
    created_at: instantJson(event.createdAt),
  };
}

/** Usage events: one per metered gateway call, in the order they were written. */
export function usageEventRoutes(app: Hono, { store }: AdminDeps): void {
  bindRoute(app, adminRoutes.listUsageEvents, async ({ query }) => {
    const page = await gatewayData(store).listUsageEvents({
      customerId: query.customer_id,
      requestId: query.request_id,
      sessionId: query.session_id,
      afterSeq: query.cursor === undefined ? undefined : decodeSeqCursor(query.cursor, 'usage_events'),
      limit: query.limit,
    });
    const nextCursor = page.nextSeq === null ? null : encodeCursor('usage_events', page.nextSeq.toString());
    return { body: listJson(page.data.map(usageEventJson), nextCursor) };
  });
}
