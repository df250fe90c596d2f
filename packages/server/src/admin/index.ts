import { adminRoutes, buildOpenApiDocument, type OpenApiDocument } from '@tollgate/contract';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.ts';
import { adminAuth } from '../http/admin-auth.ts';
import { alertRoutes } from './alerts.ts';
import { budgetRoutes } from './budgets.ts';
import { customerReadApi } from './customer-reads.ts';
import { customerTokenRoutes, jwksRoute } from './customer-tokens.ts';
import { customerRoutes } from './customers.ts';
import { deductionRoutes } from './deductions.ts';
import type { AdminDeps } from './deps.ts';
import { grantRoutes } from './grants.ts';
import { holdRoutes } from './holds.ts';
import { keyRoutes } from './keys.ts';
import { ledgerRoutes } from './ledger.ts';
import { pricingRoutes } from './pricing.ts';
import { providerRoutes } from './providers.ts';
import { rateCardRoutes } from './rate-cards.ts';
import { rateLimitRoutes } from './rate-limits.ts';
import { reportRoutes } from './reports.ts';
import { transactionRoutes } from './transactions.ts';
import { transferRoutes } from './transfers.ts';
import { usageRoutes } from './usage.ts';
import { usageEventRoutes } from './usage-events.ts';
import { walletRoutes } from './wallets.ts';

/** The largest request body the admin API reads. */
export const ADMIN_BODY_BYTES_MAX = 1_048_576;

let openApiDocument: OpenApiDocument | undefined;

/** Built once, on first request: the route table does not change while the process runs. */
function openApi(): OpenApiDocument {
  openApiDocument ??= buildOpenApiDocument(adminRoutes);
  return openApiDocument;
}

/**
 * The admin API (control plane), to be mounted at /api/v1. Everything but the OpenAPI document
 * needs the admin key.
 */
export function createAdminApp(deps: AdminDeps & { authorizeAdmin(token: string): Promise<boolean> }): Hono {
  const app = new Hono();
  app.get(adminRoutes.getOpenApi.path, (c) => c.json(openApi()));
  // Public or with their own auth (customer tokens): bound before the admin key is required.
  jwksRoute(app, deps);
  customerReadApi(app, deps);
  app.use('*', adminAuth(deps.authorizeAdmin));
  app.use(
    '*',
    bodyLimit({
      maxSize: ADMIN_BODY_BYTES_MAX,
      onError: () => {
        throw new ApiError('request_too_large', 'The body is larger than 1 MB; send less.');
      },
    }),
  );
  customerRoutes(app, deps);
  alertRoutes(app, deps);
  walletRoutes(app, deps);
  grantRoutes(app, deps);
  deductionRoutes(app, deps);
  holdRoutes(app, deps);
  transferRoutes(app, deps);
  transactionRoutes(app, deps);
  ledgerRoutes(app, deps);
  keyRoutes(app, deps);
  providerRoutes(app, deps);
  rateCardRoutes(app, deps);
  rateLimitRoutes(app, deps);
  usageEventRoutes(app, deps);
  pricingRoutes(app, deps);
  usageRoutes(app, deps);
  reportRoutes(app, deps);
  budgetRoutes(app, deps);
  customerTokenRoutes(app, deps);
  return app;
}
