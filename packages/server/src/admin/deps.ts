import { type GatewayStore, gatewayStore, type Ledger, type Store } from '@tollgate/storage';
import type { AlertsRuntime } from '../alerts/service.ts';
import type { CustomerTokens } from '../customer-tokens/tokens.ts';
import type { WalletEvents } from '../customer-tokens/wallet-events.ts';
import type { GatewayRuntime } from '../gateway/setup.ts';

/**
 * The parts of a running gateway the admin routes touch: the caches they refresh after a change
 * (keys, rate cards, providers) and the box that seals provider keys.
 */
export type AdminGateway = Pick<GatewayRuntime, 'keys' | 'rateCards' | 'providers' | 'secrets' | 'pricing'> &
  Partial<Pick<GatewayRuntime, 'rateLimiter' | 'budgets' | 'leases'>>;

/** What the admin routes use: reads from the store, every money movement through the ledger. */
export interface AdminDeps {
  store: Store;
  ledger: Ledger;
  /**
   * The gateway this process serves, if any. Without it the gateway resources are still managed
   * in the store (other instances pick changes up when they poll), and provider keys cannot be
   * sealed.
   */
  /** The alert engine and delivery worker of this process (test-sends go through it). */
  alerts?: AlertsRuntime;
  gateway?: AdminGateway;
  /** The browser-facing customer routes (UI kit): see docs/customer-tokens.md. */
  customer?: CustomerApiDeps;
}

export interface CustomerApiDeps {
  /** Origins allowed to call the customer routes from a browser (TOLLGATE_CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** Wallet changes committed by this process's ledger; without it streams only poll. */
  walletEvents?: WalletEvents;
  /** Overrides the store's token service (tests with a clock). */
  tokens?: CustomerTokens;
}

const gatewayStores = new WeakMap<Store, GatewayStore>();

/** The store's gateway tables, opened on first use (not at app creation, which a fake store may not support). */
export function gatewayData(store: Store): GatewayStore {
  let data = gatewayStores.get(store);
  if (!data) {
    data = gatewayStore(store);
    gatewayStores.set(store, data);
  }
  return data;
}
