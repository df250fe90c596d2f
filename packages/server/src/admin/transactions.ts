import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { decodeSeqCursor, encodeCursor } from '../http/cursor.ts';
import type { AdminDeps } from './deps.ts';
import { submit } from './submit.ts';
import { entryJson, listJson, transactionJson, walletJson } from './views.ts';

function reverseRoute(app: Hono, deps: AdminDeps): void {
  const route = adminRoutes.reverseTransaction;
  bindRoute(app, route, async ({ params, body, idempotencyKey }) => {
    const { value, replayed } = await submit(deps.ledger, {
      command: { kind: 'reverse', transactionId: params.id, reason: body.reason ?? null },
      operation: route.operationId,
      params,
      body,
      idempotencyKey,
    });
    return {
      body: { ...transactionJson(value.transaction), wallets: value.wallets.map(walletJson) },
      replayed,
    };
  });
}

/** The journal: append-only transactions, read in journal order, reversed by new entries. */
export function transactionRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.listTransactions, async ({ query }) => {
    const page = await deps.store.listTransactions({
      walletId: query.wallet_id,
      types: query.type,
      from: query.from,
      to: query.to,
      afterSeq: query.cursor === undefined ? undefined : decodeSeqCursor(query.cursor),
      limit: query.limit,
    });
    const nextCursor = page.nextSeq === null ? null : encodeCursor('transactions', page.nextSeq.toString());
    return { body: listJson(page.data.map(transactionJson), nextCursor) };
  });

  bindRoute(app, adminRoutes.getTransaction, async ({ params }) => {
    const found = await deps.store.getTransaction(params.id);
    if (!found) throw new ApiError('transaction_not_found', `No transaction ${params.id}; check the id.`);
    return { body: { ...transactionJson(found.transaction), entries: found.entries.map(entryJson) } };
  });

  reverseRoute(app, deps);
}
