import type { Ledger, Store } from '@tollgate/storage';
import { Hono } from 'hono';
import type { CustomerApiDeps } from './admin/deps.ts';
import { createAdminApp } from './admin/index.ts';
import type { AlertsRuntime } from './alerts/service.ts';
import { notFound, onError } from './errors.ts';
import type { GatewayRuntime } from './gateway/setup.ts';

export interface AppDeps {
  store: Store;
  ledger: Ledger;
  authorizeAdmin(token: string): Promise<boolean>;
  /** The alert engine and delivery worker of this process, if started. */
  alerts?: AlertsRuntime;
  /**
   * The data plane (/v1/*), when this process serves it; the admin routes refresh its caches
   * (keys, providers, rate cards) after a change and seal provider keys with its secret box.
   */
  gateway?: Pick<GatewayRuntime, 'mount' | 'keys' | 'rateCards' | 'providers' | 'secrets' | 'pricing'>;
  /** The customer routes the UI kit reads: allowed browser origins, the ledger's wallet changes. */
  customer?: CustomerApiDeps;
}

/**
 * The HTTP application: the admin API under /api/v1, the gateway under /v1, and a health check. One onError answers every throw, one notFound every unknown route.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/api/v1', createAdminApp(deps));
  deps.gateway?.mount(app);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
