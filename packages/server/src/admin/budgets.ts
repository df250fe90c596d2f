import { adminRoutes, type RouteInput, type RouteResponse } from '@tollgate/contract';
import { budgetWindow, newId } from '@tollgate/domain';
import { type BudgetRow, budgetStore, type Store } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson, instantJsonOrNull, moneyJson } from '../http/json-values.ts';
import { pageById } from '../http/pagination.ts';
import type { AdminDeps } from './deps.ts';
import { listJson } from './views.ts';

export type BudgetJson = RouteResponse<typeof adminRoutes.getBudget>;
type CreateBudgetBody = RouteInput<typeof adminRoutes.createBudget>['body'];

/**
 * Where a budget stands now: its current period's spend and holds, read from the counters the
 * ledger keeps (also what alert rules read).
 */
export async function budgetUsage(store: Store, budget: BudgetRow, now: number) {
  const window = budgetWindow(budget.period, budget.timezone, now);
  // A rolling window sums every bucket from its start; a calendar period is its one bucket.
  const { spent, pending } = await budgetStore(store).budgetUsage(
    budget.id,
    window.windowStartKey ?? window.periodKey,
    window.windowStartKey === undefined ? window.periodKey : null,
  );
  const left = budget.amount - spent - pending;
  return { window, spent, pending, remaining: left > 0n ? left : 0n };
}

export async function budgetJson(store: Store, budget: BudgetRow, now: number): Promise<BudgetJson> {
  const { window, spent, pending, remaining } = await budgetUsage(store, budget, now);
  return {
    id: budget.id,
    object: 'budget',
    scope: {
      customer_id: budget.customerId,
      team_id: budget.teamId,
      user_id: budget.userId,
      feature: budget.feature,
      model: budget.model,
      key_id: budget.keyId,
      session_id: budget.sessionId,
    },
    period: budget.period,
    amount: moneyJson(budget.amount),
    mode: budget.mode,
    timezone: budget.timezone,
    status: budget.archivedAt === null ? 'active' : 'archived',
    usage: {
      period_key: window.periodKey,
      spent: moneyJson(spent),
      pending: moneyJson(pending),
      remaining: moneyJson(remaining),
      starts_at: instantJson(window.startsAt),
      resets_at: instantJson(window.resetsAt),
    },
    created_at: instantJson(budget.createdAt),
    archived_at: instantJsonOrNull(budget.archivedAt),
  };
}

async function createBudget({ store, gateway }: AdminDeps, body: CreateBudgetBody): Promise<BudgetJson> {
  const { scope } = body;
  if (!(await store.getCustomer(scope.customer_id))) {
    throw new ApiError(
      'customer_not_found',
      `No customer ${scope.customer_id}; create it with POST /api/v1/customers first.`,
      'scope.customer_id',
    );
  }
  const now = Date.now();
  const row: BudgetRow = {
    id: newId('bud'),
    customerId: scope.customer_id,
    teamId: scope.team_id ?? null,
    userId: scope.user_id ?? null,
    feature: scope.feature ?? null,
    model: scope.model ?? null,
    keyId: scope.key_id ?? null,
    sessionId: scope.session_id ?? null,
    period: body.period,
    amount: body.amount,
    mode: body.mode,
    timezone: body.timezone,
    createdAt: now,
    archivedAt: null,
  };
  await budgetStore(store).createBudget(row);
  // This instance applies it at once; the others within the gateway's budget cache TTL.
  gateway?.budgets?.invalidate();
  return budgetJson(store, row, now);
}

function budgetNotFound(id: string): ApiError {
  return new ApiError('budget_not_found', `No budget ${id}; list budgets with GET /api/v1/budgets.`);
}

/** Budgets: caps per period on a customer scope, enforced by the gateway's holds. */
export function budgetRoutes(app: Hono, deps: AdminDeps): void {
  const budgets = () => budgetStore(deps.store);

  bindRoute(app, adminRoutes.createBudget, async ({ body }) => ({ body: await createBudget(deps, body) }));

  bindRoute(app, adminRoutes.listBudgets, async ({ query }) => {
    const page = await pageById('budgets', query, (afterId, limit) =>
      budgets().listBudgets(query.customer_id ?? null, afterId, limit),
    );
    const now = Date.now();
    const data = await Promise.all(page.items.map((b) => budgetJson(deps.store, b, now)));
    return { body: listJson(data, page.nextCursor) };
  });

  bindRoute(app, adminRoutes.getBudget, async ({ params }) => {
    const budget = await budgets().getBudget(params.id);
    if (!budget) throw budgetNotFound(params.id);
    return { body: await budgetJson(deps.store, budget, Date.now()) };
  });

  bindRoute(app, adminRoutes.archiveBudget, async ({ params }) => {
    const budget = await budgets().archiveBudget(params.id, Date.now());
    if (!budget) throw budgetNotFound(params.id);
    deps.gateway?.budgets?.invalidate();
    return { body: await budgetJson(deps.store, budget, Date.now()) };
  });
}
