/**
 * The customer API's JSON shapes (docs/customer-api.md), as the kit reads them. Money is integer
 * micros of the wallet's unit; JSON may carry it as a number or a decimal string, so both are typed.
 */

/** An integer count of micro-units, as JSON carries it. */
export type Micros = number | string;

/** Credits of one grant that expire within 30 days. */
export interface ExpiringGrant {
  grant_id: string;
  amount: Micros;
  expires_at: string;
}

/** One of the customer's wallets. */
export interface Wallet {
  id: string;
  unit: string;
  team_id: string | null;
  balance: Micros;
  pending: Micros;
  available: Micros;
  owed: Micros;
  expiring_soon: ExpiringGrant[];
}

/** `GET /api/v1/customers/{id}/balance`. */
export interface BalanceResponse {
  customer_id: string;
  wallets: Wallet[];
  updated_at: string;
}

/** Granularity of a usage bucket. */
export type Granularity = 'hour' | 'day' | 'month';

/** What usage rows are grouped by. */
export type GroupBy = 'feature' | 'model' | 'user';

/** One row of `GET /api/v1/customers/{id}/usage`: customers see price, never cost. */
export interface UsageRow {
  bucket?: string;
  group?: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  price: Micros;
  cost?: Micros;
}

/** How close a budget is to its cap: warning at ≥ 80 %, exceeded at ≥ 100 %. */
export type BudgetHealthLevel = 'ok' | 'warning' | 'exceeded';

/** The scope a budget applies to. */
export interface BudgetScope {
  customer_id: string;
  team_id?: string | null;
  user_id?: string | null;
  feature?: string | null;
  model?: string | null;
  key_id?: string | null;
}

/** One row of `GET /api/v1/customers/{id}/budgets`. */
export interface Budget {
  id: string;
  scope: BudgetScope;
  period: 'hour' | 'day' | 'week' | 'month';
  amount: Micros;
  mode: 'soft' | 'hard';
  spent: Micros;
  pending: Micros;
  remaining: Micros;
  period_key: string;
  resets_at: string;
  health: BudgetHealthLevel;
}

/** One usage event of `GET /api/v1/customers/{id}/events`. */
export interface UsageEvent {
  id: string;
  created_at: string;
  feature: string | null;
  model: string | null;
  user_id: string | null;
  input_tokens: number;
  output_tokens: number;
  price: Micros;
  status: string;
}

/** The query of a usage read. */
export interface UsageQuery {
  /** ISO 8601 start (inclusive). */
  from: string;
  /** ISO 8601 end (exclusive). */
  to: string;
  granularity?: Granularity;
  groupBy?: GroupBy;
  /** IANA time zone of the buckets; defaults to the browser's. */
  tz?: string;
}
