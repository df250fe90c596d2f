import { postJson, type SendResult } from './send.ts';
import { webhookHeaders } from './signing.ts';

/**
 * A Standard Webhooks delivery: the event JSON, signed. `webhook-id` is the delivery id, the same
 * on every retry, so a receiver that dedupes on it handles a delivery once.
 */
export function sendWebhook(
  channel: { url: string; secret: string },
  deliveryId: string,
  body: string,
  nowMs: number,
): Promise<SendResult> {
  return postJson(channel.url, body, webhookHeaders(channel.secret, deliveryId, nowMs, body), [
    channel.secret,
  ]);
}
