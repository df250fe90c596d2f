import type {
  AlertAttemptRow,
  AlertChannelKind,
  AlertChannelRow,
  AlertDeliveryRow,
  AlertDeliveryStatus,
  AlertEventRow,
  AlertFiring,
  AlertRuleRow,
  SpendRow,
  SpendScope,
} from './alerts-store.ts';
import { big, num, numOrNull, type Row, strOrNull } from './rows.ts';

/** The usage_events column a spend scope groups by; never taken from input as text. */
export const SPEND_SCOPE_COLUMNS: Record<SpendScope, string> = {
  customer: 'customer_id',
  user: 'user_id',
  team: 'team_id',
  feature: 'feature',
};

export const CHANNEL_COLUMNS = ['id', 'kind', 'customer_id', 'config', 'created_at'] as const;
export const channelValues = (c: AlertChannelRow): unknown[] => [
  c.id,
  c.kind,
  c.customerId,
  JSON.stringify(c.config),
  c.createdAt,
];
export const RULE_COLUMNS = ['id', 'kind', 'customer_id', 'params', 'channel_ids', 'created_at'] as const;
export const ruleValues = (r: AlertRuleRow): unknown[] => [
  r.id,
  r.kind,
  r.customerId,
  JSON.stringify(r.params),
  JSON.stringify(r.channelIds),
  r.createdAt,
];
export const EVENT_COLUMNS = [
  'id',
  'rule_id',
  'subject',
  'period_key',
  'type',
  'customer_id',
  'payload',
  'created_at',
] as const;
export const eventValues = (e: AlertEventRow): unknown[] => [
  e.id,
  e.ruleId,
  e.subject,
  e.periodKey,
  e.type,
  e.customerId,
  e.payload,
  e.createdAt,
];
export const DELIVERY_COLUMNS = [
  'id',
  'event_id',
  'rule_id',
  'channel_id',
  'type',
  'payload',
  'status',
  'attempts',
  'next_attempt_at',
  'last_status_code',
  'last_error',
  'created_at',
  'delivered_at',
  'updated_at',
] as const;
export const deliveryValues = (d: AlertDeliveryRow): unknown[] => [
  d.id,
  d.eventId,
  d.ruleId,
  d.channelId,
  d.type,
  d.payload,
  d.status,
  d.attempts,
  d.nextAttemptAt,
  d.lastStatusCode,
  d.lastError,
  d.createdAt,
  d.deliveredAt,
  d.updatedAt,
];

/** The deliveries of a firing, due at once. */
export function firingDeliveries(event: AlertEventRow, firing: AlertFiring): AlertDeliveryRow[] {
  return firing.deliveries.map((d) => ({
    id: d.id,
    eventId: event.id,
    ruleId: event.ruleId,
    channelId: d.channelId,
    type: event.type,
    payload: event.payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: event.createdAt,
    lastStatusCode: null,
    lastError: null,
    createdAt: event.createdAt,
    deliveredAt: null,
    updatedAt: event.createdAt,
  }));
}

const parse = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export const toChannel = (r: Row): AlertChannelRow => ({
  id: String(r.id),
  kind: r.kind as AlertChannelKind,
  customerId: strOrNull(r.customer_id),
  config: parse(r.config) as Record<string, unknown>,
  createdAt: num(r.created_at),
});

export const toRule = (r: Row): AlertRuleRow => ({
  id: String(r.id),
  kind: String(r.kind),
  customerId: strOrNull(r.customer_id),
  params: parse(r.params) as Record<string, unknown>,
  channelIds: parse(r.channel_ids) as string[],
  createdAt: num(r.created_at),
});

export const toEvent = (r: Row): AlertEventRow => ({
  id: String(r.id),
  ruleId: String(r.rule_id),
  subject: String(r.subject),
  periodKey: String(r.period_key),
  type: String(r.type),
  customerId: strOrNull(r.customer_id),
  payload: String(r.payload),
  createdAt: num(r.created_at),
});

export const toDelivery = (r: Row): AlertDeliveryRow => ({
  id: String(r.id),
  eventId: strOrNull(r.event_id),
  ruleId: strOrNull(r.rule_id),
  channelId: String(r.channel_id),
  type: String(r.type),
  payload: String(r.payload),
  status: r.status as AlertDeliveryStatus,
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastStatusCode: numOrNull(r.last_status_code),
  lastError: strOrNull(r.last_error),
  createdAt: num(r.created_at),
  deliveredAt: numOrNull(r.delivered_at),
  updatedAt: num(r.updated_at),
});

export const toAttempt = (r: Row): AlertAttemptRow => ({
  deliveryId: String(r.delivery_id),
  attempt: num(r.attempt),
  startedAt: num(r.started_at),
  durationMs: num(r.duration_ms),
  statusCode: numOrNull(r.status_code),
  error: strOrNull(r.error),
});

export const toSpend = (r: Row): SpendRow => ({
  customerId: String(r.customer_id),
  key: String(r.k),
  price: big(r.price),
});
