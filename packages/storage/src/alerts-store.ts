import { PostgresAlertsStore } from './postgres/alerts.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqliteAlertsStore } from './sqlite/alerts.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

export type AlertChannelKind = 'email' | 'slack' | 'webhook';
export type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed';
/** What a spend-rate rule groups usage by: one subject per value. */
export type SpendScope = 'customer' | 'user' | 'team' | 'feature';

export interface AlertChannelRow {
  id: string;
  kind: AlertChannelKind;
  /** null: vendor-wide; else the channel receives only that customer's alerts. */
  customerId: string | null;
  /** Kind-specific settings; secrets in it are sealed (see server/src/alerts/channel-config.ts). */
  config: Record<string, unknown>;
  createdAt: number;
}

export interface AlertRuleRow {
  id: string;
  kind: string;
  customerId: string | null;
  /** Kind-specific parameters; money as decimal strings of micros. */
  params: Record<string, unknown>;
  channelIds: string[];
  createdAt: number;
}

export interface AlertEventRow {
  id: string;
  ruleId: string;
  /** What crossed: a wallet id, `user:acme/u1`, … */
  subject: string;
  /** The period (or crossing) the event belongs to: at most one event per rule, subject and period. */
  periodKey: string;
  type: string;
  customerId: string | null;
  /** The JSON body every channel of the event delivers. */
  payload: string;
  createdAt: number;
}

export interface AlertDeliveryRow {
  id: string;
  eventId: string | null;
  ruleId: string | null;
  channelId: string;
  type: string;
  payload: string;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  updatedAt: number;
}

export interface AlertAttemptRow {
  deliveryId: string;
  attempt: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/**
 * A rule that fired. `periodKey: null` marks a latching rule (balance rules): it fires once per
 * crossing and only again after `rearm`, the crossing's number being the period.
 */
export interface AlertFiring {
  event: Omit<AlertEventRow, 'periodKey'> & { periodKey: string | null };
  deliveries: { id: string; channelId: string }[];
}

/** The result of one send: delivered, retried at `nextAttemptAt`, or given up (null). */
export interface AttemptOutcome extends AlertAttemptRow {
  delivered: boolean;
  nextAttemptAt: number | null;
}

export interface AlertDeliveryFilter {
  ruleId?: string;
  channelId?: string;
  status?: AlertDeliveryStatus;
  afterId?: string;
  limit: number;
}

export interface SpendQuery {
  /** Inclusive start and exclusive end, ms since the epoch. */
  from: number;
  to: number;
  customerId: string | null;
  scope: SpendScope;
}

export interface SpendRow {
  customerId: string;
  /** The scope's value (user, team, feature); the customer id for scope `customer`. */
  key: string;
  price: bigint;
}

/** The alert tables: channels, rules, the outbox of events and deliveries, and the attempt log. */
export interface AlertsStore {
  /** 'exists' when a channel of that id exists (nothing written). */
  createChannel(row: AlertChannelRow): Promise<'exists' | undefined>;
  getChannel(id: string): Promise<AlertChannelRow | undefined>;
  listChannels(afterId: string | null, limit: number): Promise<AlertChannelRow[]>;
  createRule(row: AlertRuleRow): Promise<'exists' | undefined>;
  getRule(id: string): Promise<AlertRuleRow | undefined>;
  listRules(customerId: string | null, afterId: string | null, limit: number): Promise<AlertRuleRow[]>;

  /**
   * In one transaction: the event (unless one exists for its rule, subject and period; a latching
   * rule also needs to be armed) and its deliveries. Returns the event written, or undefined.
   */
  fire(firing: AlertFiring): Promise<AlertEventRow | undefined>;
  /** A latching rule's condition cleared: its next crossing fires again. True if it was disarmed. */
  rearm(ruleId: string, subject: string, now: number): Promise<boolean>;
  listEvents(ruleId: string): Promise<AlertEventRow[]>;

  /** A delivery outside any event (a test send), due now. */
  addDelivery(row: AlertDeliveryRow): Promise<void>;
  /**
   * Pending deliveries due at `now`, each leased until `now + leaseMs` (by moving its next
   * attempt) so that no other worker sends it meanwhile.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<AlertDeliveryRow[]>;
  /** Logs an attempt and moves the delivery on; false if that attempt was recorded already. */
  recordAttempt(outcome: AttemptOutcome, now: number): Promise<boolean>;
  getDelivery(id: string): Promise<AlertDeliveryRow | undefined>;
  listDeliveries(filter: AlertDeliveryFilter): Promise<AlertDeliveryRow[]>;
  listAttempts(deliveryIds: string[]): Promise<AlertAttemptRow[]>;

  /** Priced usage in a window, summed per customer and scope value (events without one are left out). */
  spend(query: SpendQuery): Promise<SpendRow[]>;
  /** The amount of the wallet's latest grant, for thresholds given as a percent of it. */
  lastGrantAmount(walletId: string): Promise<bigint | undefined>;
}

/**
 * The alert tables, on the same connection as the store.
 *
 * @example
 * const alerts = alertsStore(store);
 * await alerts.listRules(null, null, 100);
 */
export function alertsStore(store: Store): AlertsStore {
  if (store instanceof SqliteStore) return new SqliteAlertsStore(store.db);
  if (store instanceof PostgresStore) return new PostgresAlertsStore(store.pool);
  throw new Error(`no alerts store for ${store.dialect}`);
}
