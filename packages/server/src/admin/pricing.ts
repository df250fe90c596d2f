import type { Hono } from 'hono';
import type { AdminDeps } from './deps.ts';
import { outcomeRoutes } from './outcomes.ts';
import { planRoutes } from './plans.ts';
import { sessionRoutes } from './sessions.ts';
import { unitRoutes } from './units.ts';

/** Price plans, value units, outcomes and sessions. */
export function pricingRoutes(app: Hono, deps: AdminDeps): void {
  planRoutes(app, deps);
  unitRoutes(app, deps);
  outcomeRoutes(app, deps);
  sessionRoutes(app, deps);
}
