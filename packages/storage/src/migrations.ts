import { batchedRollupsMigrationSql, usageRollupsMigrationSql } from './metering/rollups.ts';
import type { Dialect } from './store.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Schema history. Append only: a released migration is never edited. Both dialects share one
 * text; `seq` (journal order) is the only column whose type differs. Money is BIGINT micros,
 * times are BIGINT milliseconds since the epoch.
 */
function history(dialect: Dialect): Migration[] {
  const seq =
    dialect === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'INTEGER PRIMARY KEY';
  return [
    {
      version: 1,
      name: 'ledger',
      sql: `
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT,
  metadata TEXT,
  created_at BIGINT NOT NULL
);
CREATE TABLE wallets (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  team_id TEXT,
  unit TEXT NOT NULL,
  overdraft_limit BIGINT NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
  capture_policy TEXT NOT NULL CHECK (capture_policy IN ('reject', 'cap', 'overflow')),
  status TEXT NOT NULL CHECK (status IN ('active', 'frozen')),
  balance BIGINT NOT NULL DEFAULT 0,
  pending BIGINT NOT NULL DEFAULT 0 CHECK (pending >= 0),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (balance - pending >= -overdraft_limit)
);
CREATE INDEX wallets_customer ON wallets (customer_id, id);
CREATE TABLE lots (
  id TEXT PRIMARY KEY,
  wallet_id TEXT NOT NULL REFERENCES wallets(id),
  transaction_id TEXT NOT NULL,
  source TEXT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount > 0),
  remaining BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  expires_at BIGINT,
  priority INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX lots_wallet_live ON lots (wallet_id) WHERE remaining > 0;
CREATE INDEX lots_expiring ON lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;
CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  wallet_id TEXT NOT NULL REFERENCES wallets(id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  captured_amount BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('open', 'captured', 'released', 'expired')),
  capture_policy TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  resolved_at BIGINT,
  metadata TEXT
);
CREATE INDEX holds_open_wallet ON holds (wallet_id, expires_at) WHERE status = 'open';
CREATE INDEX holds_open_expiry ON holds (expires_at) WHERE status = 'open';
CREATE TABLE transactions (
  seq ${seq},
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  wallet_id TEXT NOT NULL,
  counter_wallet_id TEXT,
  amount BIGINT NOT NULL,
  hold_id TEXT,
  reverses_id TEXT UNIQUE,
  idempotency_key TEXT,
  reason TEXT,
  metadata TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX transactions_wallet ON transactions (wallet_id, seq);
CREATE INDEX transactions_counter_wallet ON transactions (counter_wallet_id, seq) WHERE counter_wallet_id IS NOT NULL;
CREATE INDEX transactions_created ON transactions (created_at);
CREATE INDEX transactions_hold ON transactions (hold_id) WHERE hold_id IS NOT NULL;
CREATE TABLE entries (
  seq ${seq},
  transaction_id TEXT NOT NULL,
  account TEXT NOT NULL,
  wallet_id TEXT,
  lot_id TEXT,
  amount BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX entries_transaction ON entries (transaction_id);
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE admin_keys (
  id TEXT PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
`,
    },
    {
      version: 2,
      name: 'gateway',
      sql: `
CREATE TABLE virtual_keys (
  id TEXT PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  team_id TEXT,
  user_id TEXT,
  feature TEXT,
  models TEXT,
  wallet_id TEXT REFERENCES wallets(id),
  end_stream_on_hold_exhausted INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX virtual_keys_customer ON virtual_keys (customer_id, id);
CREATE TABLE providers (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  base_url TEXT NOT NULL,
  api_key_ciphertext TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE rate_cards (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  effective_from BIGINT NOT NULL,
  input BIGINT NOT NULL,
  output BIGINT NOT NULL,
  cached_input BIGINT,
  cache_write BIGINT,
  reasoning BIGINT,
  per_request BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX rate_cards_model ON rate_cards (provider, model, effective_from);
CREATE TABLE usage_events (
  seq ${seq},
  id TEXT NOT NULL UNIQUE,
  request_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  team_id TEXT,
  user_id TEXT,
  feature TEXT,
  session_id TEXT,
  trace_id TEXT,
  tags TEXT,
  key_id TEXT,
  wallet_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  api TEXT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cached_input_tokens BIGINT NOT NULL,
  cache_creation_input_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  estimated INTEGER NOT NULL,
  cost BIGINT NOT NULL,
  price BIGINT NOT NULL,
  unit TEXT NOT NULL,
  cache_status TEXT NOT NULL,
  status TEXT NOT NULL,
  latency_ms BIGINT NOT NULL,
  upstream_request_id TEXT,
  hold_id TEXT,
  transaction_id TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX usage_events_customer_time ON usage_events (customer_id, created_at);
CREATE INDEX usage_events_session ON usage_events (session_id) WHERE session_id IS NOT NULL;
`,
    },
    {
      version: 3,
      name: 'wallet_owed',
      sql: `ALTER TABLE wallets ADD COLUMN owed BIGINT NOT NULL DEFAULT 0 CHECK (owed >= 0);`,
    },
    {
      version: 4,
      name: 'usage_value_unit',
      sql: `ALTER TABLE usage_events ADD COLUMN value_unit TEXT;`,
    },
    {
      version: 5,
      name: 'price_plans',
      sql: `
CREATE TABLE price_plans (
  id TEXT PRIMARY KEY,
  name TEXT,
  definition TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT
);
CREATE UNIQUE INDEX price_plans_one_default ON price_plans (is_default) WHERE is_default = 1;
CREATE TABLE customer_plans (
  customer_id TEXT PRIMARY KEY REFERENCES customers(id),
  plan_id TEXT NOT NULL REFERENCES price_plans(id),
  assigned_at BIGINT
);
CREATE TABLE outcomes (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  type TEXT NOT NULL,
  session_id TEXT,
  trace_id TEXT,
  price BIGINT NOT NULL,
  transaction_id TEXT,
  idempotency_key TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX outcomes_customer_time ON outcomes (customer_id, created_at);
CREATE INDEX outcomes_session ON outcomes (session_id);
CREATE UNIQUE INDEX outcomes_idempotency ON outcomes (customer_id, idempotency_key);
`,
    },
    {
      version: 6,
      name: 'usage_rollups',
      sql: usageRollupsMigrationSql(dialect),
    },
    {
      version: 10,
      name: 'rate_limits',
      sql: `
ALTER TABLE virtual_keys ADD COLUMN requests_per_minute BIGINT;
ALTER TABLE virtual_keys ADD COLUMN tokens_per_minute BIGINT;
CREATE TABLE rate_limits (
  id TEXT PRIMARY KEY,
  scope_key TEXT NOT NULL UNIQUE,
  customer_id TEXT,
  user_id TEXT,
  model TEXT,
  key_id TEXT,
  requests_per_minute BIGINT,
  tokens_per_minute BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
`,
    },
    {
      version: 8,
      name: 'rate_card_tiers',
      // 1-hour cache writes, a fee per image, and long-context tiers (JSON, rates as decimal strings).
      sql: `
ALTER TABLE rate_cards ADD COLUMN cache_write_1h BIGINT;
ALTER TABLE rate_cards ADD COLUMN per_image BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rate_cards ADD COLUMN tiers TEXT;
`,
    },
    {
      version: 9,
      name: 'alerts',
      // Alert rules fire through an outbox: an event (unique per rule, subject and period) and its
      // deliveries are written in one transaction; a worker sends the deliveries afterwards.
      sql: `
CREATE TABLE alert_channels (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'slack', 'webhook')),
  customer_id TEXT REFERENCES customers(id),
  config TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  customer_id TEXT REFERENCES customers(id),
  params TEXT NOT NULL,
  channel_ids TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE alert_states (
  rule_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  generation BIGINT NOT NULL DEFAULT 0,
  armed INTEGER NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (rule_id, subject)
);
CREATE TABLE alert_events (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  period_key TEXT NOT NULL,
  type TEXT NOT NULL,
  customer_id TEXT,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (rule_id, subject, period_key)
);
CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT,
  rule_id TEXT,
  channel_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_status_code INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  updated_at BIGINT NOT NULL,
  UNIQUE (event_id, channel_id)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_rule ON alert_deliveries (rule_id, id);
CREATE TABLE alert_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX alerts_usage_events_time ON usage_events (created_at);
`,
    },
    {
      version: 11,
      name: 'budgets',
      // Budget buckets are ledger state: holds move them in the ledger's transaction. The row with
      // period_key '' of each budget is its lock (see domain ledger/budgets.ts); CHECKs assert on
      // the far side of the write that no bucket goes negative.
      sql: `
CREATE TABLE budgets (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  team_id TEXT,
  user_id TEXT,
  feature TEXT,
  model TEXT,
  key_id TEXT,
  session_id TEXT,
  period TEXT NOT NULL CHECK (period IN ('hour', 'day', 'week', 'month')),
  amount BIGINT NOT NULL CHECK (amount >= 0),
  mode TEXT NOT NULL CHECK (mode IN ('soft', 'hard')),
  timezone TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  archived_at BIGINT
);
CREATE INDEX budgets_customer ON budgets (customer_id, id);
CREATE TABLE budget_periods (
  budget_id TEXT NOT NULL,
  period_key TEXT NOT NULL,
  spent BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
  pending BIGINT NOT NULL DEFAULT 0 CHECK (pending >= 0),
  PRIMARY KEY (budget_id, period_key)
);
ALTER TABLE holds ADD COLUMN budgets TEXT;
`,
    },
    {
      version: 12,
      name: 'gateway_refusals',
      // Calls the gateway refused (402/429) per customer, code and UTC minute: telemetry the
      // blocked_spike alert counts, written in batches off the request path (server/src/gateway/refusal-recorder.ts).
      sql: `
CREATE TABLE gateway_refusals (
  customer_id TEXT NOT NULL,
  minute BIGINT NOT NULL,
  code TEXT NOT NULL,
  count BIGINT NOT NULL CHECK (count > 0),
  PRIMARY KEY (customer_id, minute, code)
);
CREATE INDEX gateway_refusals_minute ON gateway_refusals (minute);
`,
    },
    {
      version: 13,
      name: 'customer_tokens',
      // Signing keys of customer tokens (JWTs the UI kit sends). Rows are never deleted: a rotated
      // key keeps verifying the tokens it signed until they expire. private_jwk is sealed under
      // TOLLGATE_SECRET when the server has one. The index serves the customer's newest events.
      sql: `
CREATE TABLE customer_token_keys (
  kid TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT
);
CREATE INDEX usage_events_customer_seq ON usage_events (customer_id, seq);
`,
    },
    {
      version: 14,
      name: 'usage_rollups_batched',
      // SQLite kept the rollups with a trigger per inserted row (5 upserts per event); its writers
      // now upsert each rollup once per transaction, grouped (metering/rollups.ts). Deletes and
      // updates keep their triggers.
      sql: batchedRollupsMigrationSql(dialect),
    },
    {
      version: 15,
      name: 'hot_path_indexes',
      // Every index is one more B-tree each call writes (and, on SQLite, one more page each commit
      // appends to the log). alerts_usage_events_time duplicated usage_events_created. On SQLite,
      // holds_open_expiry and transactions_created served no query: the expiry scan reads the
      // covering holds_open_wallet, and the journal is listed by seq (EXPLAIN QUERY PLAN, tested).
      sql:
        dialect === 'sqlite'
          ? `
DROP INDEX alerts_usage_events_time;
DROP INDEX holds_open_expiry;
DROP INDEX transactions_created;
`
          : `
DROP INDEX alerts_usage_events_time;
`,
    },
  ];
}

/**
 * The migrations in version order. Entries were appended as parts landed (10 before 8); a fresh
 * database applies them by version, as every existing one did.
 */
export function migrations(dialect: Dialect): Migration[] {
  return history(dialect).sort((a, b) => a.version - b.version);
}
