import type { AlertChannelRow } from '@tollgate/storage';
import type { SecretBox } from '../secrets.ts';

/**
 * Secrets in a channel's stored config (a Slack webhook URL, a webhook signing secret) are
 * `sealed:<AES-256-GCM box>` when the server has TOLLGATE_SECRET, else `plain:<value>` (the
 * database is then the only protection, as docs/alerts.md says).
 */
export function sealValue(box: SecretBox | null, value: string): string {
  return box ? `sealed:${box.seal(value)}` : `plain:${value}`;
}

export function openValue(box: SecretBox | null, stored: string): string {
  if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
  if (!stored.startsWith('sealed:')) throw new Error('channel secret is not in a known form');
  if (!box) throw new Error('channel secret is sealed: set TOLLGATE_SECRET (the one it was stored under)');
  return box.open(stored.slice('sealed:'.length));
}

/** A channel ready to send through: secrets opened, in memory only. */
export type ResolvedChannel =
  | { id: string; kind: 'email'; customerId: string | null; to: string[] }
  | { id: string; kind: 'slack'; customerId: string | null; webhookUrl: string }
  | { id: string; kind: 'webhook'; customerId: string | null; url: string; secret: string };

export function resolveChannel(box: SecretBox | null, row: AlertChannelRow): ResolvedChannel {
  const c = row.config;
  switch (row.kind) {
    case 'email':
      return { id: row.id, kind: 'email', customerId: row.customerId, to: c.to as string[] };
    case 'slack':
      return {
        id: row.id,
        kind: 'slack',
        customerId: row.customerId,
        webhookUrl: openValue(box, String(c.webhook_url)),
      };
    case 'webhook':
      return {
        id: row.id,
        kind: 'webhook',
        customerId: row.customerId,
        url: String(c.url),
        secret: openValue(box, String(c.secret)),
      };
  }
}

/** What the API shows of a channel's config: never a secret (a Slack URL shows its origin only). */
export function publicConfig(row: AlertChannelRow): { to?: string[]; webhook_url?: string; url?: string } {
  const c = row.config;
  switch (row.kind) {
    case 'email':
      return { to: c.to as string[] };
    case 'slack':
      return { webhook_url: `${String(c.webhook_origin)}/…` };
    case 'webhook':
      return { url: String(c.url) };
  }
}
