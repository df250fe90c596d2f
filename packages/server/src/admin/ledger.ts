import { adminRoutes } from '@tollgate/contract';
import type { Hono } from 'hono';
import { bindRoute } from '../http/bind-route.ts';
import { moneyJson } from '../http/json-values.ts';
import type { AdminDeps } from './deps.ts';

/** Ledger maintenance: the invariant check and the expiry sweep, on demand. */
export function ledgerRoutes(app: Hono, { ledger }: AdminDeps): void {
  bindRoute(app, adminRoutes.verifyLedger, async () => {
    const violations = await ledger.verify();
    return { body: { object: 'ledger_verification' as const, ok: violations.length === 0, violations } };
  });

  bindRoute(app, adminRoutes.expireLedger, async () => {
    const summary = await ledger.expireDue();
    return {
      body: {
        object: 'expiry_summary' as const,
        wallets: summary.wallets,
        holds_expired: summary.holdsExpired,
        breakage: moneyJson(summary.breakage),
      },
    };
  });
}
