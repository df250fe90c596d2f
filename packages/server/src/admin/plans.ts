import { adminRoutes } from '@tollgate/contract';
import { newId } from '@tollgate/domain';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson } from '../http/json-values.ts';
import { pageById } from '../http/pagination.ts';
import type { AdminDeps } from './deps.ts';
import { planFromBody, planJson, pricingData } from './pricing-views.ts';
import { listJson } from './views.ts';

const planNotFound = (id: string, param?: string) =>
  new ApiError('plan_not_found', `No price plan ${id}; create it with POST /api/v1/plans.`, param);

/** Price plans: what customers are charged; assigned per customer, with one default. */
export function planRoutes(app: Hono, deps: AdminDeps): void {
  const data = () => pricingData(deps.store);

  bindRoute(app, adminRoutes.createPlan, async ({ body }) => {
    const id = body.id ?? newId('plan');
    if (await data().getPlan(id))
      throw new ApiError(
        'resource_already_exists',
        `A plan ${id} exists; plans are never edited, create another.`,
        'id',
      );
    const row = { plan: planFromBody(id, body), isDefault: body.is_default, createdAt: Date.now() };
    await data().createPlan(row);
    deps.gateway?.pricing?.invalidate();
    return { body: planJson(row) };
  });

  bindRoute(app, adminRoutes.listPlans, async ({ query }) => {
    const page = await pageById('plans', query, async (afterId, limit) =>
      (await data().listPlans(afterId, limit)).map((row) => ({ id: row.plan.id, row })),
    );
    return {
      body: listJson(
        page.items.map((item) => planJson(item.row)),
        page.nextCursor,
      ),
    };
  });

  bindRoute(app, adminRoutes.getPlan, async ({ params }) => {
    const row = await data().getPlan(params.id);
    if (!row) throw planNotFound(params.id);
    return { body: planJson(row) };
  });

  bindRoute(app, adminRoutes.assignPlan, async ({ params, body }) => {
    if (!(await deps.store.getCustomer(params.id)))
      throw new ApiError(
        'customer_not_found',
        `No customer ${params.id}; create it with POST /api/v1/customers.`,
      );
    if (!(await data().getPlan(body.plan_id))) throw planNotFound(body.plan_id, 'plan_id');
    const at = Date.now();
    await data().assignPlan(params.id, body.plan_id, at);
    deps.gateway?.pricing?.invalidate();
    return {
      body: {
        object: 'customer_plan' as const,
        customer_id: params.id,
        plan_id: body.plan_id,
        assigned_at: instantJson(at),
      },
    };
  });
}
