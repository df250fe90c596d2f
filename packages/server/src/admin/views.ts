import type { adminRoutes, RouteResponse } from '@tollgate/contract';
import type { Entry, Hold, Lot, Transaction, Wallet } from '@tollgate/domain';
import type { Customer } from '@tollgate/storage';
import { instantJson, instantJsonOrNull, moneyJson } from '../http/json-values.ts';

/**
 * Domain records → the JSON shapes of the contract. Typed by the route response schemas, so a
 * field the contract promises cannot go missing here.
 */
type Routes = typeof adminRoutes;
export type CustomerJson = RouteResponse<Routes['getCustomer']>;
export type WalletJson = RouteResponse<Routes['getWallet']>;
export type HoldJson = RouteResponse<Routes['getHold']>;
export type GrantJson = RouteResponse<Routes['listGrants']>['data'][number];
export type TransactionJson = RouteResponse<Routes['listTransactions']>['data'][number];
export type EntryJson = RouteResponse<Routes['getTransaction']>['entries'][number];

export function customerJson(customer: Customer): CustomerJson {
  return {
    id: customer.id,
    object: 'customer',
    name: customer.name,
    metadata: customer.metadata,
    created_at: instantJson(customer.createdAt),
  };
}

export function walletJson(wallet: Wallet): WalletJson {
  return {
    id: wallet.id,
    object: 'wallet',
    customer_id: wallet.customerId,
    team_id: wallet.teamId,
    unit: wallet.unit,
    overdraft_limit: moneyJson(wallet.overdraftLimit),
    capture_policy: wallet.capturePolicy,
    status: wallet.status,
    balance: moneyJson(wallet.balance),
    pending: moneyJson(wallet.pending),
    available: moneyJson(wallet.balance - wallet.pending),
    owed: moneyJson(wallet.owed),
    created_at: instantJson(wallet.createdAt),
    updated_at: instantJson(wallet.updatedAt),
  };
}

export function grantJson(lot: Lot): GrantJson {
  return {
    id: lot.id,
    object: 'grant',
    wallet_id: lot.walletId,
    transaction_id: lot.transactionId,
    amount: moneyJson(lot.amount),
    remaining: moneyJson(lot.remaining),
    source: lot.source,
    expires_at: instantJsonOrNull(lot.expiresAt),
    priority: lot.priority,
    created_at: instantJson(lot.createdAt),
  };
}

export function holdJson(hold: Hold): HoldJson {
  return {
    id: hold.id,
    object: 'hold',
    wallet_id: hold.walletId,
    amount: moneyJson(hold.amount),
    captured_amount: moneyJson(hold.capturedAmount),
    status: hold.status,
    capture_policy: hold.capturePolicy,
    expires_at: instantJson(hold.expiresAt),
    created_at: instantJson(hold.createdAt),
    resolved_at: instantJsonOrNull(hold.resolvedAt),
    metadata: hold.metadata,
  };
}

export function transactionJson(transaction: Transaction): TransactionJson {
  return {
    id: transaction.id,
    object: 'transaction',
    type: transaction.type,
    wallet_id: transaction.walletId,
    counter_wallet_id: transaction.counterWalletId,
    amount: moneyJson(transaction.amount),
    hold_id: transaction.holdId,
    reverses_id: transaction.reversesId,
    idempotency_key: transaction.idempotencyKey,
    reason: transaction.reason,
    metadata: transaction.metadata,
    created_at: instantJson(transaction.createdAt),
  };
}

export function entryJson(entry: Entry): EntryJson {
  return {
    account: entry.account,
    wallet_id: entry.walletId,
    lot_id: entry.lotId,
    amount: moneyJson(entry.amount),
  };
}

/** The envelope of every list response. */
export function listJson<T>(
  data: T[],
  nextCursor: string | null,
): { object: 'list'; data: T[]; next_cursor: string | null } {
  return { object: 'list', data, next_cursor: nextCursor };
}
