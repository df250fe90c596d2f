import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import { bindRoute } from '../http/bind-route.ts';
import { pageById } from '../http/pagination.ts';
import type { AdminDeps } from './deps.ts';
import { customerJson, listJson } from './views.ts';

/** Customers: the vendor's paying accounts, under the vendor's own ids. */
export function customerRoutes(app: Hono, { store }: AdminDeps): void {
  bindRoute(app, adminRoutes.createCustomer, async ({ body }) => {
    const created = await store.createCustomer({
      id: body.id,
      name: body.name ?? null,
      metadata: body.metadata ?? null,
      createdAt: Date.now(),
    });
    if (created === 'exists') {
      throw new ApiError(
        'resource_already_exists',
        `Customer ${body.id} already exists; fetch it or pick another id.`,
        'id',
      );
    }
    return { body: customerJson(created) };
  });

  bindRoute(app, adminRoutes.listCustomers, async ({ query }) => {
    const page = await pageById('customers', query, (afterId, limit) => store.listCustomers(afterId, limit));
    return { body: listJson(page.items.map(customerJson), page.nextCursor) };
  });

  bindRoute(app, adminRoutes.getCustomer, async ({ params }) => {
    const customer = await store.getCustomer(params.id);
    if (!customer)
      throw new ApiError(
        'customer_not_found',
        `No customer ${params.id}; create it with POST /api/v1/customers.`,
      );
    return { body: customerJson(customer) };
  });
}
