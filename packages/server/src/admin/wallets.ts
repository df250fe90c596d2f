import { adminRoutes, type RouteInput } from '@tollgate/contract';
import { newId, type Wallet } from '@tollgate/domain';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { pageById } from '../http/pagination.ts';
import type { AdminDeps } from './deps.ts';
import { listJson, walletJson } from './views.ts';

function walletNotFound(id: string): ApiError {
  return new ApiError('wallet_not_found', `No wallet ${id}; list wallets with GET /api/v1/wallets.`);
}

function walletExists(id: string): ApiError {
  return new ApiError(
    'resource_already_exists',
    `Wallet ${id} already exists; omit id to get a generated one.`,
    'id',
  );
}

/** A wallet as of now: expiries that fell due are settled in memory by the ledger's read. */
export async function currentWallet({ ledger }: AdminDeps, id: string): Promise<Wallet> {
  const wallet = await ledger.wallet(id);
  if (!wallet) throw walletNotFound(id);
  return wallet;
}

async function createWallet(deps: AdminDeps, body: RouteInput<typeof adminRoutes.createWallet>['body']) {
  const { store } = deps;
  if (!(await store.getCustomer(body.customer_id))) {
    throw new ApiError(
      'customer_not_found',
      `No customer ${body.customer_id}; create it first.`,
      'customer_id',
    );
  }
  const id = body.id ?? newId('wal');
  if (body.id && (await store.getWallet(id))) throw walletExists(id);
  const wallet = {
    id,
    customerId: body.customer_id,
    teamId: body.team_id ?? null,
    unit: body.unit,
    overdraftLimit: body.overdraft_limit,
    capturePolicy: body.capture_policy,
    createdAt: Date.now(),
  };
  try {
    return await store.createWallet(wallet);
  } catch (error) {
    // Lost a race with another create of the same id: the primary key refused the second.
    if (await store.getWallet(id)) throw walletExists(id);
    throw error;
  }
}

/** Refuses a limit below what the wallet already uses, which the store's CHECK would reject. */
function checkOverdraftLimit(wallet: Wallet, limit: bigint): void {
  const available = wallet.balance - wallet.pending;
  if (available + limit < 0n) {
    throw new ApiError(
      'overdraft_limit_too_low',
      `Wallet ${wallet.id} already uses ${-available} micros of overdraft; set overdraft_limit to at least that, or grant credits first.`,
      'overdraft_limit',
    );
  }
}

async function updateWallet(
  deps: AdminDeps,
  id: string,
  body: RouteInput<typeof adminRoutes.updateWallet>['body'],
) {
  const stored = await deps.store.getWallet(id);
  if (!stored) throw walletNotFound(id);
  if (body.overdraft_limit !== undefined) checkOverdraftLimit(stored, body.overdraft_limit);
  const patch = {
    status: body.status,
    overdraftLimit: body.overdraft_limit,
    capturePolicy: body.capture_policy,
  };
  try {
    await deps.store.updateWallet(id, patch, Date.now());
    // The gateway's lease was taken under the old settings (a freeze stops calls at once).
    deps.gateway?.leases?.forget(id);
  } catch (error) {
    // Spending between the check and the update can make the new limit too low after all.
    const now = await deps.store.getWallet(id);
    if (now && body.overdraft_limit !== undefined) checkOverdraftLimit(now, body.overdraft_limit);
    throw error;
  }
  return currentWallet(deps, id);
}

/** Wallets: one customer's credits in one unit. */
export function walletRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createWallet, async ({ body }) => ({
    body: walletJson(await createWallet(deps, body)),
  }));

  bindRoute(app, adminRoutes.listWallets, async ({ query }) => {
    const page = await pageById('wallets', query, (afterId, limit) =>
      deps.store.listWallets(query.customer_id ?? null, afterId, limit),
    );
    // Balances as of now, like GET /wallets/{id}, not as the last write left them.
    const wallets = await Promise.all(page.items.map(async (w) => (await deps.ledger.wallet(w.id)) ?? w));
    return { body: listJson(wallets.map(walletJson), page.nextCursor) };
  });

  bindRoute(app, adminRoutes.getWallet, async ({ params }) => ({
    body: walletJson(await currentWallet(deps, params.id)),
  }));

  bindRoute(app, adminRoutes.updateWallet, async ({ params, body }) => ({
    body: walletJson(await updateWallet(deps, params.id, body)),
  }));
}
