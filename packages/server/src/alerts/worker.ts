import type { AlertDeliveryRow, AlertsStore } from '@tollgate/storage';
import type { SecretBox } from '../secrets.ts';
import { resolveChannel } from './channel-config.ts';
import type { EmailSender } from './email.ts';
import type { AlertPayload } from './payload.ts';
import { redact, type SendResult } from './send.ts';
import { sendSlack } from './slack.ts';
import { sendWebhook } from './webhook.ts';

export const DELIVERY_POLL_MS = 1_000;
/** How long a claimed delivery is left to its worker before another may take it (a crash mid-send). */
export const DELIVERY_LEASE_MS = 60_000;
export const DELIVERY_ATTEMPTS_MAX = 8;
export const DELIVERY_BACKOFF_BASE_MS = 1_000;
export const DELIVERY_BACKOFF_MAX_MS = 300_000;
export const DELIVERY_BATCH_MAX = 32;

export interface DeliveryWorkerOptions {
  alerts: AlertsStore;
  secrets: SecretBox | null;
  email: EmailSender | null;
  clock?: () => number;
  pollMs?: number;
  leaseMs?: number;
  attemptsMax?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log?: (line: string) => void;
}

/** The wait before attempt `attempt + 1`: base, 2×base, 4×base … capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

/**
 * Sends what the outbox holds. Deliveries are rows written with their event before anything is
 * sent, so a restart loses none: the next worker claims what is due. A claim is a lease, so two
 * workers never send one delivery at once; a worker that dies mid-send leaves it to be sent again
 * after the lease, with the same `webhook-id` for the receiver to dedupe on.
 */
export class DeliveryWorker {
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  start(): this {
    this.arm(0);
    return this;
  }

  /** Looks for due deliveries now (after a firing) rather than at the next poll. */
  kick(): void {
    if (!this.stopped) this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass (unless one is running): claims what is due, sends it, records each attempt. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runOnce().then((sent) => this.arm(sent > 0 ? 0 : (this.options.pollMs ?? DELIVERY_POLL_MS)));
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    try {
      const now = this.clock();
      const due = await this.options.alerts.claimDue(
        now,
        this.options.leaseMs ?? DELIVERY_LEASE_MS,
        DELIVERY_BATCH_MAX,
      );
      await Promise.all(due.map((delivery) => this.attempt(delivery, true)));
      return due.length;
    } catch (error) {
      this.options.log?.(
        `Alert delivery pass failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 0;
    }
  }

  /** Sends one claimed delivery and records the attempt; `retry` false gives up on a failure. */
  async attempt(delivery: AlertDeliveryRow, retry: boolean): Promise<SendResult> {
    const startedAt = this.clock();
    const started = performance.now();
    const result = await this.send(delivery, startedAt);
    const attempt = delivery.attempts + 1;
    const attemptsMax = this.options.attemptsMax ?? DELIVERY_ATTEMPTS_MAX;
    const wait = backoffMs(
      attempt,
      this.options.backoffBaseMs ?? DELIVERY_BACKOFF_BASE_MS,
      this.options.backoffMaxMs ?? DELIVERY_BACKOFF_MAX_MS,
    );
    const now = this.clock();
    await this.options.alerts.recordAttempt(
      {
        deliveryId: delivery.id,
        attempt,
        startedAt,
        durationMs: Math.round(performance.now() - started),
        statusCode: result.statusCode,
        error: result.error,
        delivered: result.ok,
        nextAttemptAt: result.ok || !retry || attempt >= attemptsMax ? null : now + wait,
      },
      now,
    );
    return result;
  }

  private async send(delivery: AlertDeliveryRow, now: number): Promise<SendResult> {
    const row = await this.options.alerts.getChannel(delivery.channelId);
    if (!row) return { ok: false, statusCode: null, error: `channel ${delivery.channelId} no longer exists` };
    let channel: ReturnType<typeof resolveChannel>;
    try {
      channel = resolveChannel(this.options.secrets, row);
    } catch (error) {
      return {
        ok: false,
        statusCode: null,
        error: redact(error instanceof Error ? error.message : String(error), []),
      };
    }
    const payload = JSON.parse(delivery.payload) as AlertPayload;
    switch (channel.kind) {
      case 'webhook':
        return sendWebhook(channel, delivery.id, delivery.payload, now);
      case 'slack':
        return sendSlack(channel.webhookUrl, payload, delivery.id);
      case 'email':
        if (!this.options.email)
          return {
            ok: false,
            statusCode: null,
            error: 'email is not configured: set TOLLGATE_SMTP_URL and TOLLGATE_SMTP_FROM',
          };
        return this.options.email.send(channel.to, payload, delivery.id);
    }
  }
}
