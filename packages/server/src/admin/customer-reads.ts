import { adminRoutes, customerReadRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { bindRoute, honoPath } from '../http/bind-route.ts';
import { customerAuth, customerReader } from '../http/customer-auth.ts';
import { customerCors } from '../http/customer-cors.ts';
import { customerStreamRoute } from './customer-stream.ts';
import { tokenService } from './customer-tokens.ts';
import { customerBalance, customerBudgets, customerEvents, customerUsage } from './customer-views.ts';
import type { AdminDeps } from './deps.ts';
import { listJson } from './views.ts';

/**
 * The routes the UI kit reads, with CORS and their own auth (admin key or that customer's
 * token). Mount before the admin-key middleware: these answer before it runs.
 */
export function customerReadApi(
  app: Hono,
  deps: AdminDeps & { authorizeAdmin(token: string): Promise<boolean> },
): void {
  const cors = customerCors(deps.customer?.corsOrigins ?? []);
  const auth = { authorizeAdmin: deps.authorizeAdmin, tokens: () => tokenService(deps) };
  for (const route of Object.values(customerReadRoutes)) {
    app.use(honoPath(route.path), cors);
    app.use(honoPath(route.path), customerAuth(auth, route === customerReadRoutes.streamCustomer));
  }

  bindRoute(app, adminRoutes.getCustomerBalance, async ({ params }) => ({
    body: await customerBalance(deps.store, deps.ledger, params.id),
  }));

  bindRoute(app, adminRoutes.getCustomerUsage, async ({ params, query }, c) => ({
    body: await customerUsage(deps.store, params.id, query, customerReader(c)),
  }));

  bindRoute(app, adminRoutes.listCustomerBudgets, async ({ params }) => ({
    body: listJson(await customerBudgets(deps.store, params.id), null),
  }));

  bindRoute(app, adminRoutes.listCustomerEvents, async ({ params, query }, c) => ({
    body: listJson(await customerEvents(deps.store, params.id, query.limit, customerReader(c)), null),
  }));

  customerStreamRoute(app, deps);
}
