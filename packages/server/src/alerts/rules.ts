import type { AlertRuleRow, SpendScope } from '@tollgate/storage';

export type AlertWindow = 'minute' | 'hour' | 'day';

interface RuleBase {
  id: string;
  customerId: string | null;
  channelIds: string[];
}

/** A stored rule, typed by kind. Money is bigint micros (stored as decimal strings). */
export type AlertRule = RuleBase &
  (
    | { kind: 'balance_below'; threshold: bigint | null; percentOfLastGrant: number | null }
    | { kind: 'wallet_empty' }
    | { kind: 'spend_rate'; amount: bigint; window: 'hour' | 'day'; scope: SpendScope }
    | { kind: 'budget_used'; budgetId: string; percent: number }
    | { kind: 'blocked_spike'; count: number; window: 'minute' | 'hour' }
  );

export type RuleOf<K extends AlertRule['kind']> = Extract<AlertRule, { kind: K }>;

const bigOrNull = (value: unknown): bigint | null =>
  value === undefined || value === null ? null : BigInt(String(value));
const numOrNull = (value: unknown): number | null =>
  value === undefined || value === null ? null : Number(value);

/** Reads a stored rule; a kind this version does not know is skipped (undefined), not fatal. */
export function ruleFromRow(row: AlertRuleRow): AlertRule | undefined {
  const base = { id: row.id, customerId: row.customerId, channelIds: row.channelIds };
  const p = row.params;
  switch (row.kind) {
    case 'balance_below':
      return {
        ...base,
        kind: 'balance_below',
        threshold: bigOrNull(p.threshold),
        percentOfLastGrant: numOrNull(p.percent_of_last_grant),
      };
    case 'wallet_empty':
      return { ...base, kind: 'wallet_empty' };
    case 'spend_rate':
      return {
        ...base,
        kind: 'spend_rate',
        amount: BigInt(String(p.amount)),
        window: p.window as 'hour' | 'day',
        scope: p.scope as SpendScope,
      };
    case 'budget_used':
      return { ...base, kind: 'budget_used', budgetId: String(p.budget_id), percent: Number(p.percent) };
    case 'blocked_spike':
      return {
        ...base,
        kind: 'blocked_spike',
        count: Number(p.count),
        window: p.window as 'minute' | 'hour',
      };
    default:
      return undefined;
  }
}

const WINDOW_MS: Record<AlertWindow, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The window (UTC-aligned) that `now` falls in: fixed windows, so "per hour" means per clock hour. */
export function windowOf(now: number, window: AlertWindow): { from: number; to: number; periodKey: string } {
  const size = WINDOW_MS[window];
  const from = now - (now % size);
  return { from, to: from + size, periodKey: `${window}:${new Date(from).toISOString()}` };
}

/**
 * The threshold a balance rule compares a wallet's available credits with, or null when it has
 * none yet (a percent of the last grant, on a wallet never granted).
 */
export function balanceThreshold(
  rule: RuleOf<'balance_below'>,
  lastGrant: bigint | undefined,
): bigint | null {
  if (rule.threshold !== null) return rule.threshold;
  if (rule.percentOfLastGrant === null || lastGrant === undefined) return null;
  return (lastGrant * BigInt(rule.percentOfLastGrant)) / 100n;
}

/** Whether a rule applies to a customer's subjects. */
export const appliesTo = (rule: AlertRule, customerId: string): boolean =>
  rule.customerId === null || rule.customerId === customerId;
