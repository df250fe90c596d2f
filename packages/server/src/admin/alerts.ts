import { adminRoutes, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { newId } from '@tollgate/domain';
import {
  type AlertAttemptRow,
  type AlertChannelRow,
  type AlertDeliveryRow,
  type AlertRuleRow,
  type AlertsStore,
  alertsStore,
  type Store,
} from '@tollgate/storage';
import type { Hono } from 'hono';
import { publicConfig, sealValue } from '../alerts/channel-config.ts';
import { type AlertsRuntime, startAlerts } from '../alerts/service.ts';
import { generateWebhookSecret } from '../alerts/signing.ts';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, instantJsonOrNull } from '../http/json-values.ts';
import { pageById } from '../http/pagination.ts';
import type { AdminDeps } from './deps.ts';
import { listJson } from './views.ts';

type ChannelJson = RouteResponse<typeof adminRoutes.createAlertChannel>;
type RuleJson = RouteResponse<typeof adminRoutes.createAlertRule>;
type DeliveryJson = RouteResponse<typeof adminRoutes.listAlertDeliveries>['data'][number];
type ChannelBody = RouteInput<typeof adminRoutes.createAlertChannel>['body'];
type RuleBody = RouteInput<typeof adminRoutes.createAlertRule>['body'];

const stores = new WeakMap<Store, AlertsStore>();
const idleRuntimes = new WeakMap<Store, AlertsRuntime>();

function data(store: Store): AlertsStore {
  let alerts = stores.get(store);
  if (!alerts) {
    alerts = alertsStore(store);
    stores.set(store, alerts);
  }
  return alerts;
}

/**
 * The process's alert runtime, or (an admin app without one, as in tests of other routes) one
 * built on first use without timers: test-sends still go out, with the settings of the environment.
 */
function runtime(deps: AdminDeps): AlertsRuntime {
  if (deps.alerts) return deps.alerts;
  let idle = idleRuntimes.get(deps.store);
  if (!idle) {
    idle = startAlerts({ store: deps.store, ledger: deps.ledger, autostart: false });
    idleRuntimes.set(deps.store, idle);
  }
  return idle;
}

function channelJson(row: AlertChannelRow, secret?: string): ChannelJson {
  return {
    id: row.id,
    object: 'alert_channel',
    kind: row.kind,
    customer_id: row.customerId,
    config: publicConfig(row),
    ...(secret === undefined ? {} : { secret }),
    created_at: instantJson(row.createdAt),
  };
}

const moneyParam = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));

function ruleJson(row: AlertRuleRow): RuleJson {
  const p = row.params;
  return {
    id: row.id,
    object: 'alert_rule',
    kind: row.kind as RuleJson['kind'],
    customer_id: row.customerId,
    channel_ids: row.channelIds,
    threshold: moneyParam(p.threshold),
    percent_of_last_grant: p.percent_of_last_grant as number | undefined,
    amount: moneyParam(p.amount),
    window: p.window as string | undefined,
    scope: p.scope as string | undefined,
    budget_id: p.budget_id as string | undefined,
    percent: p.percent as number | undefined,
    count: p.count as number | undefined,
    created_at: instantJson(row.createdAt),
  };
}

function deliveryJson(row: AlertDeliveryRow, attempts: AlertAttemptRow[]): DeliveryJson {
  return {
    id: row.id,
    object: 'alert_delivery',
    event_id: row.eventId,
    rule_id: row.ruleId,
    channel_id: row.channelId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? instantJson(row.nextAttemptAt) : null,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    payload: JSON.parse(row.payload),
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: instantJson(a.startedAt),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
    })),
    created_at: instantJson(row.createdAt),
    delivered_at: instantJsonOrNull(row.deliveredAt),
  };
}

async function requireCustomer(store: Store, customerId: string | null | undefined): Promise<void> {
  if (customerId && !(await store.getCustomer(customerId)))
    throw new ApiError('customer_not_found', `No customer ${customerId}; create it first.`, 'customer_id');
}

/** A channel's stored config: secrets sealed under TOLLGATE_SECRET when the server has it. */
function storedConfig(
  deps: AdminDeps,
  body: ChannelBody,
  secret: string | undefined,
): Record<string, unknown> {
  const box = deps.alerts?.secrets ?? deps.gateway?.secrets ?? runtime(deps).secrets;
  switch (body.kind) {
    case 'email':
      return { to: body.config.to };
    case 'slack':
      return {
        webhook_url: sealValue(box, body.config.webhook_url),
        webhook_origin: new URL(body.config.webhook_url).origin,
      };
    case 'webhook':
      return { url: body.config.url, secret: sealValue(box, secret!) };
  }
}

async function createChannel(deps: AdminDeps, body: ChannelBody): Promise<ChannelJson> {
  await requireCustomer(deps.store, body.customer_id);
  const secret = body.kind === 'webhook' ? (body.config.secret ?? generateWebhookSecret()) : undefined;
  const row: AlertChannelRow = {
    id: body.id ?? newId('ach'),
    kind: body.kind,
    customerId: body.customer_id ?? null,
    config: storedConfig(deps, body, secret),
    createdAt: Date.now(),
  };
  if ((await data(deps.store).createChannel(row)) === 'exists')
    throw new ApiError(
      'resource_already_exists',
      `Alert channel ${row.id} already exists; pick another id.`,
      'id',
    );
  return channelJson(row, secret);
}

/** Rule parameters as stored: money as decimal strings of micros. */
function ruleParams(body: RuleBody): Record<string, unknown> {
  switch (body.kind) {
    case 'balance_below':
      return {
        threshold: body.threshold?.toString(),
        percent_of_last_grant: body.percent_of_last_grant,
      };
    case 'wallet_empty':
      return {};
    case 'spend_rate':
      return { amount: body.amount.toString(), window: body.window, scope: body.scope };
    case 'budget_used':
      return { budget_id: body.budget_id, percent: body.percent };
    case 'blocked_spike':
      return { count: body.count, window: body.window };
  }
}

async function createRule(deps: AdminDeps, body: RuleBody): Promise<RuleJson> {
  await requireCustomer(deps.store, body.customer_id);
  const alerts = data(deps.store);
  const customerId = body.customer_id ?? null;
  for (const [i, channelId] of body.channel_ids.entries()) {
    const channel = await alerts.getChannel(channelId);
    if (!channel)
      throw new ApiError(
        'alert_channel_not_found',
        `No alert channel ${channelId}; create it with POST /api/v1/alert-channels.`,
        `channel_ids.${i}`,
      );
    // A customer's channel (their manager's inbox) hears only about that customer.
    if (channel.customerId !== null && channel.customerId !== customerId)
      throw new ApiError(
        'customer_mismatch',
        `channel_ids.${i} is customer ${channel.customerId}'s channel; use it only in that customer's rules, or use a vendor-wide channel.`,
        `channel_ids.${i}`,
      );
  }
  const row: AlertRuleRow = {
    id: body.id ?? newId('arl'),
    kind: body.kind,
    customerId,
    params: JSON.parse(JSON.stringify(ruleParams(body))),
    channelIds: [...new Set(body.channel_ids)],
    createdAt: Date.now(),
  };
  if ((await alerts.createRule(row)) === 'exists')
    throw new ApiError(
      'resource_already_exists',
      `Alert rule ${row.id} already exists; pick another id.`,
      'id',
    );
  return ruleJson(row);
}

async function deliveriesJson(alerts: AlertsStore, rows: AlertDeliveryRow[]): Promise<DeliveryJson[]> {
  const attempts = await alerts.listAttempts(rows.map((r) => r.id));
  return rows.map((row) =>
    deliveryJson(
      row,
      attempts.filter((a) => a.deliveryId === row.id),
    ),
  );
}

/** Alerts: channels (where alerts go), rules (when they fire) and the delivery log. */
export function alertRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createAlertChannel, async ({ body }) => ({
    body: await createChannel(deps, body),
  }));

  bindRoute(app, adminRoutes.listAlertChannels, async ({ query }) => {
    const page = await pageById('alert_channels', query, (after, limit) =>
      data(deps.store).listChannels(after, limit),
    );
    return {
      body: listJson(
        page.items.map((row) => channelJson(row)),
        page.nextCursor,
      ),
    };
  });

  bindRoute(app, adminRoutes.testAlertChannel, async ({ params }) => {
    const delivery = await runtime(deps).testSend(params.id);
    if (!delivery)
      throw new ApiError(
        'alert_channel_not_found',
        `No alert channel ${params.id}; list them with GET /api/v1/alert-channels.`,
      );
    return { body: (await deliveriesJson(data(deps.store), [delivery]))[0]! };
  });

  bindRoute(app, adminRoutes.createAlertRule, async ({ body }) => ({ body: await createRule(deps, body) }));

  bindRoute(app, adminRoutes.listAlertRules, async ({ query }) => {
    const page = await pageById('alert_rules', query, (after, limit) =>
      data(deps.store).listRules(query.customer_id ?? null, after, limit),
    );
    return { body: listJson(page.items.map(ruleJson), page.nextCursor) };
  });

  bindRoute(app, adminRoutes.listAlertDeliveries, async ({ query }) => {
    const alerts = data(deps.store);
    const page = await pageById('alert_deliveries', query, (afterId, limit) =>
      alerts.listDeliveries({
        ruleId: query.rule_id,
        channelId: query.channel_id,
        status: query.status,
        afterId: afterId ?? undefined,
        limit,
      }),
    );
    return { body: listJson(await deliveriesJson(alerts, page.items), page.nextCursor) };
  });
}
