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
  gateway?: Pick<GatewayRuntime, 'mount' | 'keys' | 'rateCards' | 'providers' | 'secrets' | 'pricing'> &
    Partial<Pick<GatewayRuntime, 'settledWithin'>>;
  /** The customer routes the UI kit reads: allowed browser origins, the ledger's wallet changes. */
  customer?: CustomerApiDeps;
}

/**
 * The HTTP application: the admin API under /api/v1, the gateway under /v1, and a health check. One onError answers every throw, one notFound every unknown route.
 */
/** How long a read waits for this instance's unsettled calls before answering without them. */
const READ_SETTLE_WAIT_MS = 1_000;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  const settledWithin = deps.gateway?.settledWithin;
  if (settledWithin) {
    // Read-your-writes: calls this instance answered are charged (a few ms after their answer)
    // before a read of balances or usage runs. Bounded, so that a ledger outage does not hang reads.
    app.use('/api/v1/*', async (c, next) => {
      if (c.req.method === 'GET') await settledWithin(READ_SETTLE_WAIT_MS);
      await next();
    });
  }
  app.route('/api/v1', createAdminApp(deps));
  deps.gateway?.mount(app);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
