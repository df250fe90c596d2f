import { MICROS_PER_UNIT, microsToJson } from '@tollgate/domain';

/** The event types rules emit; automatic top-ups and other listeners hang on these names. */
export const ALERT_EVENT_TYPES = {
  balance_below: 'wallet.low_balance',
  wallet_empty: 'wallet.empty',
  spend_rate: 'spend.rate_exceeded',
  budget_used: 'budget.threshold_reached',
  blocked_spike: 'usage.blocked_spike',
  test: 'alert.test',
} as const;

export type AlertEventType = (typeof ALERT_EVENT_TYPES)[keyof typeof ALERT_EVENT_TYPES];

/** Event data: strings and integers only (money as integer micros). */
export type AlertData = Record<string, string | number | null>;

/** What every channel carries, in the Standard Webhooks shape `{type, timestamp, data}`. */
export interface AlertPayload {
  type: string;
  timestamp: string;
  data: AlertData;
}

/** Money as the JSON integer of micros. */
export const money = (micros: bigint): number => microsToJson(micros) as number;

/** `4500000` micros of usd → `4.50 usd`: for people (email, Slack), never for machines. */
export function formatMoney(micros: number | string | null, unit: string | null): string {
  if (micros === null) return '?';
  const value = BigInt(micros);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  const fraction = (abs % MICROS_PER_UNIT)
    .toString()
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${sign}${abs / MICROS_PER_UNIT}.${fraction.padEnd(2, '0')}${unit ? ` ${unit}` : ''}`;
}

/** A title and lines of facts that email and Slack both render. */
export interface AlertMessage {
  title: string;
  summary: string;
  facts: [string, string][];
}

const str = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

/** The words of an alert, by type. */
export function describeAlert(payload: AlertPayload): AlertMessage {
  const d = payload.data;
  const unit = typeof d.unit === 'string' ? d.unit : null;
  const facts: [string, string][] = [];
  if (d.customer_id !== undefined) facts.push(['Customer', str(d.customer_id)]);
  switch (payload.type) {
    case ALERT_EVENT_TYPES.balance_below:
      facts.push(['Wallet', str(d.wallet_id)], ['Available', formatMoney(d.available ?? null, unit)]);
      facts.push(['Threshold', formatMoney(d.threshold ?? null, unit)]);
      return { title: 'Low balance', summary: `Wallet ${str(d.wallet_id)} is below its threshold.`, facts };
    case ALERT_EVENT_TYPES.wallet_empty:
      facts.push(['Wallet', str(d.wallet_id)], ['Available', formatMoney(d.available ?? null, unit)]);
      return { title: 'Wallet empty', summary: `Wallet ${str(d.wallet_id)} has no credits left.`, facts };
    case ALERT_EVENT_TYPES.spend_rate:
      facts.push(
        ['Who', `${str(d.scope)} ${str(d.scope_value)}`],
        ['Spent', formatMoney(d.spent ?? null, unit)],
      );
      facts.push(['Limit', `${formatMoney(d.amount ?? null, unit)} per ${str(d.window)}`]);
      return {
        title: 'Spend rate exceeded',
        summary: `${str(d.scope)} ${str(d.scope_value)} spent more than the limit.`,
        facts,
      };
    case ALERT_EVENT_TYPES.budget_used:
      facts.push(
        ['Budget', str(d.budget_id)],
        ['Used', `${str(d.used_percent)}%`],
        ['Threshold', `${str(d.percent)}%`],
      );
      return {
        title: 'Budget threshold reached',
        summary: `Budget ${str(d.budget_id)} reached ${str(d.percent)}%.`,
        facts,
      };
    case ALERT_EVENT_TYPES.blocked_spike:
      facts.push(['Blocked calls', str(d.blocked)], ['Threshold', `${str(d.count)} per ${str(d.window)}`]);
      return { title: 'Spike of blocked calls', summary: 'Many calls were refused (402/429).', facts };
    case ALERT_EVENT_TYPES.test:
      facts.push(['Channel', str(d.channel_id)]);
      return {
        title: 'Test alert',
        summary: 'This is a test message from Tollgate: the channel works.',
        facts,
      };
    default:
      return { title: payload.type, summary: `Tollgate alert ${payload.type}.`, facts };
  }
}
