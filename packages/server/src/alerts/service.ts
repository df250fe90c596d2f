import { type IdFactory, newId } from '@tollgate/domain';
import {
  type AlertDeliveryRow,
  type AlertsStore,
  alertsStore,
  type Ledger,
  type Store,
} from '@tollgate/storage';
import { SecretBox } from '../secrets.ts';
import { EmailSender, smtpFromEnv } from './email.ts';
import { AlertEngine, type AlertEngineOptions } from './engine.ts';
import { ALERT_EVENT_TYPES, type AlertPayload } from './payload.ts';
import { DELIVERY_LEASE_MS, DeliveryWorker, type DeliveryWorkerOptions } from './worker.ts';

export interface AlertsOptions {
  store: Store;
  ledger: Ledger;
  /** TOLLGATE_SECRET (seals channel secrets), TOLLGATE_SMTP_URL, TOLLGATE_SMTP_FROM. */
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
  newId?: IdFactory;
  /** Evaluation and delivery settings (intervals, backoff, sources); tests shorten them. */
  engine?: Partial<Pick<AlertEngineOptions, 'intervalMs' | 'debounceMs' | 'budgets' | 'refusals'>>;
  worker?: Partial<
    Pick<DeliveryWorkerOptions, 'pollMs' | 'leaseMs' | 'attemptsMax' | 'backoffBaseMs' | 'backoffMaxMs'>
  >;
  /** false: build the parts without timers or ledger listener (the admin API's test-send alone). */
  autostart?: boolean;
  log?: (line: string) => void;
}

/** The alert parts of one process: what the admin routes and start.ts use. */
export interface AlertsRuntime {
  alerts: AlertsStore;
  engine: AlertEngine;
  worker: DeliveryWorker;
  secrets: SecretBox | null;
  /** Sends an `alert.test` message to a channel now, once; undefined when there is no such channel. */
  testSend(channelId: string): Promise<AlertDeliveryRow | undefined>;
  /** Stops evaluating and sending (waiting for passes in flight); the store stays open. */
  close(): Promise<void>;
}

/** Builds the alert engine and the delivery worker and starts them (unless `autostart` is false). */
export function startAlerts(options: AlertsOptions): AlertsRuntime {
  const env = options.env ?? process.env;
  const clock = options.clock ?? Date.now;
  const ids = options.newId ?? newId;
  const log = options.log ?? console.log;
  const alerts = alertsStore(options.store);
  const secrets = env.TOLLGATE_SECRET ? new SecretBox(env.TOLLGATE_SECRET) : null;
  const smtp = smtpFromEnv(env);
  const email = smtp ? new EmailSender(smtp) : null;
  const worker = new DeliveryWorker({ alerts, secrets, email, clock, log, ...options.worker });
  const engine = new AlertEngine({
    store: options.store,
    ledger: options.ledger,
    alerts,
    clock,
    newId: ids,
    log,
    ...options.engine,
  });
  engine.onAlert(() => worker.kick());
  if (options.autostart !== false) {
    engine.start();
    worker.start();
  }

  async function testSend(channelId: string): Promise<AlertDeliveryRow | undefined> {
    const channel = await alerts.getChannel(channelId);
    if (!channel) return undefined;
    const now = clock();
    const payload: AlertPayload = {
      type: ALERT_EVENT_TYPES.test,
      timestamp: new Date(now).toISOString(),
      data: { channel_id: channel.id, customer_id: channel.customerId },
    };
    const delivery: AlertDeliveryRow = {
      id: ids('adl'),
      eventId: null,
      ruleId: null,
      channelId: channel.id,
      type: payload.type,
      payload: JSON.stringify(payload),
      status: 'pending',
      attempts: 0,
      // Leased to this call from the start: a polling worker must not send it a second time.
      nextAttemptAt: now + (options.worker?.leaseMs ?? DELIVERY_LEASE_MS),
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
      updatedAt: now,
    };
    await alerts.addDelivery(delivery);
    await worker.attempt(delivery, false);
    return alerts.getDelivery(delivery.id);
  }

  return {
    alerts,
    engine,
    worker,
    secrets,
    testSend,
    async close() {
      await engine.stop();
      await worker.stop();
      email?.close();
    },
  };
}
