import { adminRoutes, idParams, parseInput } from '@tollgate/contract';
import type { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { inputError } from '../errors.ts';
import { honoPath } from '../http/bind-route.ts';
import { type CustomerBalanceJson, customerBalance, customerBudgets } from './customer-views.ts';
import type { AdminDeps } from './deps.ts';
import { listJson } from './views.ts';

/**
 * Changes made by other instances (or missed notices) show up within this long: the stream
 * re-reads and sends only what differs.
 */
export const STREAM_POLL_MS = 2_000;
/** A comment this often keeps proxies from closing an idle stream. */
export const STREAM_PING_MS = 15_000;

async function snapshot(deps: AdminDeps, customerId: string) {
  const balance = await customerBalance(deps.store, deps.ledger, customerId);
  const budgets = listJson(await customerBudgets(deps.store, customerId), null);
  return { balance, budgets };
}

/** The balance without its read time, which changes on every read. */
function balanceKey(balance: CustomerBalanceJson): string {
  return JSON.stringify(balance.wallets);
}

/** Sends `balance` / `budget` events when what the customer sees changed; one read at a time. */
function changeSender(
  stream: SSEStreamingApi,
  deps: AdminDeps,
  customerId: string,
  first: Awaited<ReturnType<typeof snapshot>>,
) {
  let lastBalance = balanceKey(first.balance);
  let lastBudgets = JSON.stringify(first.budgets.data);
  let walletIds = new Set(first.balance.wallets.map((w) => w.id));
  let running = false;
  let again = false;

  async function readAndSend(): Promise<void> {
    const next = await snapshot(deps, customerId);
    walletIds = new Set(next.balance.wallets.map((w) => w.id));
    const balance = balanceKey(next.balance);
    if (balance !== lastBalance) {
      lastBalance = balance;
      await stream.writeSSE({ event: 'balance', data: JSON.stringify(next.balance) });
    }
    const budgets = JSON.stringify(next.budgets.data);
    if (budgets !== lastBudgets) {
      lastBudgets = budgets;
      await stream.writeSSE({ event: 'budget', data: JSON.stringify(next.budgets) });
    }
  }

  async function refresh(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await readAndSend();
      } while (again && !stream.aborted);
    } catch {
      // A failed read is retried by the next poll; the stream stays open.
    } finally {
      running = false;
    }
  }

  return { refresh, owns: (ids: readonly string[]) => ids.some((id) => walletIds.has(id)) };
}

/**
 * `GET /customers/{id}/stream`: a snapshot, then balance and budget events. This instance's
 * ledger commits push at once; a poll catches the rest. Auth ran before (customerAuth).
 */
export function customerStreamRoute(app: Hono, deps: AdminDeps): void {
  app.get(honoPath(adminRoutes.streamCustomer.path), async (c) => {
    const params = parseInput(idParams, c.req.param());
    if (!params.ok) throw inputError(params.problem);
    const customerId = params.data.id;
    // Read before streaming, so that a missing customer is a plain JSON 404.
    const first = await snapshot(deps, customerId);
    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(first) });
      const sender = changeSender(stream, deps, customerId, first);
      const unsubscribe = deps.customer?.walletEvents?.subscribe((ids) => {
        if (sender.owns(ids)) void sender.refresh();
      });
      const poll = setInterval(() => void sender.refresh(), STREAM_POLL_MS);
      const ping = setInterval(() => void stream.write(': ping\n\n').catch(() => {}), STREAM_PING_MS);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(poll);
      clearInterval(ping);
      unsubscribe?.();
    });
  });
}
