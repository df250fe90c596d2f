/**
 * The API's JSON, as the SDK returns it: snake_case fields, money as integer micros (a JS number,
 * exact up to 2^53 − 1), instants as ISO 8601 strings. Inputs take money as a number, a decimal
 * string or a bigint.
 */
export type MoneyInput = number | string | bigint;

export interface List<T> {
  object: 'list';
  data: T[];
  next_cursor: string | null;
}

export interface PageQuery {
  cursor?: string;
  limit?: number;
}

export interface Customer {
  id: string;
  object: 'customer';
  name: string | null;
  metadata: Record<string, string> | null;
  created_at: string;
}

export interface Wallet {
  id: string;
  object: 'wallet';
  customer_id: string;
  team_id: string | null;
  unit: string;
  overdraft_limit: number;
  capture_policy: 'reject' | 'cap' | 'overflow';
  status: 'active' | 'frozen';
  balance: number;
  pending: number;
  available: number;
  owed: number;
  created_at: string;
  updated_at: string;
}

export interface Grant {
  id: string;
  object: 'grant';
  wallet_id: string;
  transaction_id: string;
  amount: number;
  remaining: number;
  source: 'purchase' | 'promo' | 'rollover' | 'adjustment' | 'transfer';
  expires_at: string | null;
  priority: number;
  created_at: string;
}

export interface Transaction {
  id: string;
  object: 'transaction';
  type: string;
  amount: number;
  created_at: string;
  [field: string]: unknown;
}

export interface Hold {
  id: string;
  object: 'hold';
  wallet_id: string;
  amount: number;
  captured_amount: number;
  status: 'open' | 'captured' | 'released' | 'expired';
  capture_policy: 'reject' | 'cap' | 'overflow';
  expires_at: string;
  created_at: string;
  resolved_at: string | null;
  metadata: Record<string, string> | null;
}

export interface VirtualKey {
  id: string;
  object: 'key';
  prefix: string;
  name: string | null;
  customer_id: string;
  team_id: string | null;
  user_id: string | null;
  feature: string | null;
  models: string[] | null;
  wallet_id: string | null;
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  [field: string]: unknown;
}

export interface BudgetScope {
  customer_id: string;
  team_id?: string | null;
  user_id?: string | null;
  feature?: string | null;
  model?: string | null;
  key_id?: string | null;
  session_id?: string | null;
}

export interface Budget {
  id: string;
  object: 'budget';
  scope: Required<BudgetScope>;
  period: 'hour' | 'day' | 'week' | 'month';
  amount: number;
  mode: 'soft' | 'hard';
  timezone: string;
  status: 'active' | 'archived';
  usage: {
    period_key: string;
    spent: number;
    pending: number;
    remaining: number;
    starts_at: string;
    resets_at: string;
  };
  created_at: string;
  archived_at: string | null;
}

export interface UsageQuery {
  /** ISO 8601 with a zone; default: 30 days before `to`. */
  from?: string;
  to?: string;
  granularity?: 'hour' | 'day' | 'month';
  tz?: string;
  group_by?: readonly string[] | string;
  team_id?: string;
  user_id?: string;
  feature?: string;
  model?: string;
  limit?: number;
}

export interface UsageRow {
  bucket?: string;
  group?: Record<string, string | null>;
  money_unit: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_creation_input_tokens: number;
  reasoning_tokens: number;
  /** Absent for a customer token: customers see price, never the vendor's cost. */
  cost?: number;
  price: number;
  /** Absent for a customer token. */
  margin?: number;
  cache_hits: number;
  cache_savings?: number;
  estimated_requests: number;
}

export interface Usage {
  object: 'usage';
  customer_id?: string;
  from: string;
  to: string;
  granularity: 'hour' | 'day' | 'month' | null;
  tz: string;
  group_by: string[];
  data: UsageRow[];
  truncated: boolean;
}

export interface CustomerWallet {
  id: string;
  unit: string;
  team_id: string | null;
  balance: number;
  pending: number;
  available: number;
  owed: number;
  expiring_soon: { grant_id: string; amount: number; expires_at: string }[];
}

export interface CustomerBalance {
  object: 'customer_balance';
  customer_id: string;
  wallets: CustomerWallet[];
  updated_at: string;
}

export interface CustomerBudget extends Budget {
  spent: number;
  pending: number;
  remaining: number;
  period_key: string;
  resets_at: string;
  /** `warning` from 80 % of the amount spent or held, `exceeded` from 100 %. */
  health: 'ok' | 'warning' | 'exceeded';
}

export interface CustomerEvent {
  id: string;
  object: 'usage_event';
  request_id: string;
  team_id: string | null;
  user_id: string | null;
  feature: string | null;
  session_id: string | null;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  price: number;
  /** Only with the admin key. */
  cost?: number;
  unit: string;
  cache_status: string;
  status: string;
  created_at: string;
}

export interface CustomerToken {
  object: 'customer_token';
  token: string;
  customer_id: string;
  user_id: string | null;
  kid: string;
  expires_at: string;
}

/** What a customer stream delivers. */
export type CustomerStreamEvent =
  | { type: 'snapshot'; balance: CustomerBalance; budgets: List<CustomerBudget> }
  | { type: 'balance'; balance: CustomerBalance }
  | { type: 'budget'; budgets: List<CustomerBudget> }
  | { type: 'error'; error: Error };
