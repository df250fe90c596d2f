import type {
  BudgetPeriod,
  Entry,
  Hold,
  HoldBudget,
  IdempotencyRecord,
  Lot,
  Metadata,
  Transaction,
  Wallet,
} from '@tollgate/domain';
import type { Customer } from './store.ts';

/**
 * Row mapping shared by both stores. SQLite (safeIntegers) returns every integer as a bigint,
 * PostgreSQL returns int8 as bigint and int4 as number: `big` and `num` accept both.
 */
export type Row = Record<string, unknown>;

export const big = (value: unknown): bigint =>
  typeof value === 'bigint' ? value : BigInt(value as number | string);
export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
export const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
export const json = (value: unknown): Metadata | null =>
  value === null || value === undefined
    ? null
    : typeof value === 'string'
      ? JSON.parse(value)
      : (value as Metadata);
export const jsonText = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

export const toCustomer = (r: Row): Customer => ({
  id: String(r.id),
  name: strOrNull(r.name),
  metadata: json(r.metadata),
  createdAt: num(r.created_at),
});

export const toWallet = (r: Row): Wallet => ({
  id: String(r.id),
  customerId: String(r.customer_id),
  teamId: strOrNull(r.team_id),
  unit: String(r.unit),
  overdraftLimit: big(r.overdraft_limit),
  capturePolicy: r.capture_policy as Wallet['capturePolicy'],
  status: r.status as Wallet['status'],
  balance: big(r.balance),
  pending: big(r.pending),
  owed: r.owed === undefined || r.owed === null ? 0n : big(r.owed),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toLot = (r: Row): Lot => ({
  id: String(r.id),
  walletId: String(r.wallet_id),
  transactionId: String(r.transaction_id),
  source: r.source as Lot['source'],
  amount: big(r.amount),
  remaining: big(r.remaining),
  expiresAt: numOrNull(r.expires_at),
  priority: num(r.priority),
  createdAt: num(r.created_at),
});

export const toHold = (r: Row): Hold => ({
  id: String(r.id),
  walletId: String(r.wallet_id),
  amount: big(r.amount),
  capturedAmount: big(r.captured_amount),
  status: r.status as Hold['status'],
  capturePolicy: r.capture_policy as Hold['capturePolicy'],
  expiresAt: num(r.expires_at),
  createdAt: num(r.created_at),
  resolvedAt: numOrNull(r.resolved_at),
  metadata: json(r.metadata),
  budgets:
    r.budgets === null || r.budgets === undefined
      ? null
      : ((typeof r.budgets === 'string' ? JSON.parse(r.budgets) : r.budgets) as HoldBudget[]),
});

export const toBudgetPeriod = (r: Row): BudgetPeriod => ({
  budgetId: String(r.budget_id),
  periodKey: String(r.period_key),
  spent: big(r.spent),
  pending: big(r.pending),
});

export const toTransaction = (r: Row): Transaction => ({
  id: String(r.id),
  type: r.type as Transaction['type'],
  walletId: String(r.wallet_id),
  counterWalletId: strOrNull(r.counter_wallet_id),
  amount: big(r.amount),
  holdId: strOrNull(r.hold_id),
  reversesId: strOrNull(r.reverses_id),
  idempotencyKey: strOrNull(r.idempotency_key),
  reason: strOrNull(r.reason),
  metadata: json(r.metadata),
  createdAt: num(r.created_at),
});

export const toEntry = (r: Row): Entry => ({
  transactionId: String(r.transaction_id),
  account: String(r.account),
  walletId: strOrNull(r.wallet_id),
  lotId: strOrNull(r.lot_id),
  amount: big(r.amount),
  createdAt: num(r.created_at),
});

export const toIdempotency = (r: Row): IdempotencyRecord => ({
  key: String(r.key),
  requestHash: String(r.request_hash),
  result: String(r.result),
  createdAt: num(r.created_at),
});

/** Column lists and row values for writes, in one place so both stores write the same shape. */
export const TRANSACTION_COLUMNS = [
  'id',
  'type',
  'wallet_id',
  'counter_wallet_id',
  'amount',
  'hold_id',
  'reverses_id',
  'idempotency_key',
  'reason',
  'metadata',
  'created_at',
] as const;

export const transactionValues = (t: Transaction) => [
  t.id,
  t.type,
  t.walletId,
  t.counterWalletId,
  t.amount,
  t.holdId,
  t.reversesId,
  t.idempotencyKey,
  t.reason,
  jsonText(t.metadata),
  t.createdAt,
];

export const ENTRY_COLUMNS = [
  'transaction_id',
  'account',
  'wallet_id',
  'lot_id',
  'amount',
  'created_at',
] as const;
export const entryValues = (e: Entry) => [
  e.transactionId,
  e.account,
  e.walletId,
  e.lotId,
  e.amount,
  e.createdAt,
];

export const LOT_COLUMNS = [
  'id',
  'wallet_id',
  'transaction_id',
  'source',
  'amount',
  'remaining',
  'expires_at',
  'priority',
  'created_at',
] as const;
export const lotValues = (l: Lot) => [
  l.id,
  l.walletId,
  l.transactionId,
  l.source,
  l.amount,
  l.remaining,
  l.expiresAt,
  l.priority,
  l.createdAt,
];

export const HOLD_COLUMNS = [
  'id',
  'wallet_id',
  'amount',
  'captured_amount',
  'status',
  'capture_policy',
  'expires_at',
  'created_at',
  'resolved_at',
  'metadata',
  'budgets',
] as const;
export const holdValues = (h: Hold) => [
  h.id,
  h.walletId,
  h.amount,
  h.capturedAmount,
  h.status,
  h.capturePolicy,
  h.expiresAt,
  h.createdAt,
  h.resolvedAt,
  jsonText(h.metadata),
  h.budgets && h.budgets.length > 0 ? JSON.stringify(h.budgets) : null,
];
