import { createHmac, randomBytes } from 'node:crypto';

/** Random bytes in a generated signing secret (Standard Webhooks allows 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;
const SECRET_PREFIX = 'whsec_';

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(WEBHOOK_SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header of the Standard Webhooks spec: `v1,` and the base64
 * HMAC-SHA256, keyed with the secret's decoded bytes, of `${id}.${timestamp}.${body}`.
 * The timestamp is in seconds since the epoch, as sent in `webhook-timestamp`.
 */
export function signWebhook(secret: string, id: string, timestampS: number, body: string): string {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  const mac = createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers a signed webhook carries. */
export function webhookHeaders(
  secret: string,
  id: string,
  nowMs: number,
  body: string,
): Record<string, string> {
  const timestampS = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signWebhook(secret, id, timestampS, body),
  };
}
