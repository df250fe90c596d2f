import { z } from 'zod';
import { idSchema, instantOutput, pageQuery } from '../fields.ts';
import { moneyInput, moneyOutput } from '../money.ts';

/** Limits on alert fields, named so that docs, validation and tests share them. */
export const ALERT_EMAIL_RECIPIENTS_MAX = 20;
export const ALERT_RULE_CHANNELS_MAX = 20;
export const ALERT_URL_CHARS_MAX = 2_048;
export const ALERT_PERCENT_MAX = 1_000;
/** Standard Webhooks secrets carry 24 to 64 random bytes. */
export const WEBHOOK_SECRET_BYTES_MIN = 24;
export const WEBHOOK_SECRET_BYTES_MAX = 64;

export const ALERT_CHANNEL_KINDS = ['email', 'slack', 'webhook'] as const;
export const ALERT_RULE_KINDS = [
  'balance_below',
  'wallet_empty',
  'spend_rate',
  'budget_used',
  'blocked_spike',
] as const;
export const ALERT_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a URL cannot receive alerts, or null when it can. */
function receiverUrlProblem(text: string, httpsOnly: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  // Plain http only to this machine (a local relay or a test receiver): the URL itself is a secret.
  if (httpsOnly && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return 'must use https (http only for localhost)';
  if (url.username || url.password) return 'must not carry credentials';
  return null;
}

const receiverUrl = (httpsOnly: boolean) =>
  z
    .string()
    .max(ALERT_URL_CHARS_MAX)
    .superRefine((text, ctx) => {
      const problem = receiverUrlProblem(text, httpsOnly);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: text });
    });

/**
 * A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
 *
 * @example
 * webhookSecretSchema.parse('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
 */
export const webhookSecretSchema = z.string().superRefine((text, ctx) => {
  const body = text.startsWith('whsec_') ? text.slice('whsec_'.length) : '';
  // atob, not Buffer: the contract also runs in browsers (SDK, UI kit).
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0 ? atob(body).length : 0;
  if (bytes < WEBHOOK_SECRET_BYTES_MIN || bytes > WEBHOOK_SECRET_BYTES_MAX)
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: `must be whsec_ followed by the base64 of ${WEBHOOK_SECRET_BYTES_MIN} to ${WEBHOOK_SECRET_BYTES_MAX} random bytes; omit it to have one generated`,
    });
});

const channelCommon = {
  id: idSchema.optional().meta({ description: 'Your own id; generated when absent.' }),
  customer_id: idSchema
    .nullable()
    .optional()
    .meta({ description: 'The customer whose alerts this channel receives; null or absent: vendor-wide.' }),
};

/**
 * Body of `POST /alert-channels`: where alerts go. A webhook's secret is generated when absent and
 * shown once in the answer; a Slack webhook URL and a webhook secret are stored sealed.
 *
 * @example
 * createAlertChannelBody.parse({ kind: 'email', config: { to: ['ops@example.com'] } });
 * createAlertChannelBody.parse({ kind: 'webhook', customer_id: 'acme', config: { url: 'https://acme.example/hooks' } });
 */
export const createAlertChannelBody = z.discriminatedUnion('kind', [
  z.strictObject({
    ...channelCommon,
    kind: z.literal('email'),
    config: z.strictObject({ to: z.array(z.email()).min(1).max(ALERT_EMAIL_RECIPIENTS_MAX) }),
  }),
  z.strictObject({
    ...channelCommon,
    kind: z.literal('slack'),
    config: z.strictObject({ webhook_url: receiverUrl(true) }),
  }),
  z.strictObject({
    ...channelCommon,
    kind: z.literal('webhook'),
    config: z.strictObject({ url: receiverUrl(false), secret: webhookSecretSchema.optional() }),
  }),
]);

/**
 * A channel as the API shows it: never a secret, except a webhook's on the answer that created it.
 *
 * @example
 * alertChannelSchema.shape.kind;
 */
export const alertChannelSchema = z
  .object({
    id: z.string(),
    object: z.literal('alert_channel'),
    kind: z.enum(ALERT_CHANNEL_KINDS),
    customer_id: z.string().nullable(),
    config: z.object({
      to: z.array(z.string()).optional(),
      webhook_url: z
        .string()
        .optional()
        .meta({ description: 'Slack: only the origin, the rest is a secret.' }),
      url: z.string().optional(),
    }),
    secret: z.string().optional().meta({
      description: 'The webhook signing secret (whsec_…): present only when the channel is created.',
    }),
    created_at: instantOutput,
  })
  .meta({ id: 'AlertChannel' });

const ruleCommon = {
  id: idSchema.optional().meta({ description: 'Your own id; generated when absent.' }),
  customer_id: idSchema
    .nullable()
    .optional()
    .meta({ description: "Only this customer's wallets and usage; null or absent: every customer." }),
  channel_ids: z.array(idSchema).min(1).max(ALERT_RULE_CHANNELS_MAX),
};
const percent = z.int().min(1).max(ALERT_PERCENT_MAX);

/**
 * Body of `POST /alert-rules`. Balance rules fire once per crossing and re-arm when the balance is
 * back above the threshold; the others fire at most once per period (hour, day, budget period).
 *
 * @example
 * createAlertRuleBody.parse({ kind: 'balance_below', threshold: 5_000_000, channel_ids: ['ops'] });
 * createAlertRuleBody.parse({ kind: 'spend_rate', amount: 10_000_000, window: 'hour', scope: 'user', channel_ids: ['ops'] });
 */
export const createAlertRuleBody = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...ruleCommon,
      kind: z.literal('balance_below'),
      threshold: moneyInput(1).optional(),
      percent_of_last_grant: percent.max(100).optional(),
    }),
    z.strictObject({ ...ruleCommon, kind: z.literal('wallet_empty') }),
    z.strictObject({
      ...ruleCommon,
      kind: z.literal('spend_rate'),
      amount: moneyInput(1),
      window: z.enum(['hour', 'day']),
      scope: z.enum(['customer', 'user', 'team', 'feature']).default('customer'),
    }),
    z.strictObject({ ...ruleCommon, kind: z.literal('budget_used'), budget_id: idSchema, percent }),
    z.strictObject({
      ...ruleCommon,
      kind: z.literal('blocked_spike'),
      count: z.int().min(1).max(1_000_000),
      window: z.enum(['minute', 'hour']),
    }),
  ])
  .superRefine((body, ctx) => {
    if (body.kind !== 'balance_below') return;
    if ((body.threshold === undefined) === (body.percent_of_last_grant === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        input: body.threshold,
        message: 'or percent_of_last_grant must be given, exactly one of them',
      });
  });

/**
 * An alert rule. Money as integer micros; fields not of its kind are absent.
 *
 * @example
 * alertRuleSchema.shape.threshold;
 */
export const alertRuleSchema = z
  .object({
    id: z.string(),
    object: z.literal('alert_rule'),
    kind: z.enum(ALERT_RULE_KINDS),
    customer_id: z.string().nullable(),
    channel_ids: z.array(z.string()),
    threshold: moneyOutput.optional(),
    percent_of_last_grant: z.int().optional(),
    amount: moneyOutput.optional(),
    window: z.string().optional(),
    scope: z.string().optional(),
    budget_id: z.string().optional(),
    percent: z.int().optional(),
    count: z.int().optional(),
    created_at: instantOutput,
  })
  .meta({ id: 'AlertRule' });

/**
 * Query of `GET /alert-rules`.
 *
 * @example
 * listAlertRulesQuery.parse({ customer_id: 'acme' });
 */
export const listAlertRulesQuery = pageQuery.extend({ customer_id: idSchema.optional() });

/**
 * Query of `GET /alert-deliveries`, the delivery log, oldest first.
 *
 * @example
 * listAlertDeliveriesQuery.parse({ rule_id: 'arl_1', status: 'failed' });
 */
export const listAlertDeliveriesQuery = pageQuery.extend({
  rule_id: idSchema.optional(),
  channel_id: idSchema.optional(),
  status: z.enum(ALERT_DELIVERY_STATUSES).optional(),
});

/**
 * One message to one channel, with every attempt to send it.
 *
 * @example
 * alertDeliverySchema.shape.attempt_log;
 */
export const alertDeliverySchema = z
  .object({
    id: z.string().meta({ description: 'Also the `webhook-id` header: receivers dedupe on it.' }),
    object: z.literal('alert_delivery'),
    event_id: z.string().nullable().meta({ description: 'null for a test send.' }),
    rule_id: z.string().nullable(),
    channel_id: z.string(),
    type: z.string().meta({ examples: ['wallet.low_balance', 'alert.test'] }),
    status: z.enum(ALERT_DELIVERY_STATUSES),
    attempts: z.int(),
    next_attempt_at: instantOutput.nullable(),
    last_status_code: z.int().nullable(),
    last_error: z.string().nullable(),
    payload: z.unknown().meta({ description: 'The event as sent: {type, timestamp, data}.' }),
    attempt_log: z.array(
      z.object({
        attempt: z.int(),
        started_at: instantOutput,
        duration_ms: z.int(),
        status_code: z.int().nullable(),
        error: z.string().nullable(),
      }),
    ),
    created_at: instantOutput,
    delivered_at: instantOutput.nullable(),
  })
  .meta({ id: 'AlertDelivery' });
