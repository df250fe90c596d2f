import type { GatewayStore } from '@tollgate/storage';
import type { Attribution } from './attribution.ts';
import type { WalletRef } from './gateway.ts';
import type { VirtualKey } from './keys.ts';

/** Rate cards are in USD, so until price plans land the gateway bills a customer's usd wallet. */
export const GATEWAY_UNIT = 'usd';
const WALLET_CACHE_TTL_MS = 1_000;

/** Which wallet pays: the key's own, else the team's usd wallet, else the customer's. */
export class WalletResolver {
  private readonly cache = new Map<string, { wallet: WalletRef | undefined; until: number }>();

  constructor(private readonly store: GatewayStore) {}

  async resolve(key: VirtualKey, attribution: Attribution): Promise<WalletRef | undefined> {
    if (key.walletId) return { id: key.walletId, unit: GATEWAY_UNIT };
    const cacheKey = `${attribution.customerId}\u0000${attribution.teamId ?? ''}`;
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now) return cached.wallet;
    const wallet = await this.store.walletFor(attribution.customerId, attribution.teamId, GATEWAY_UNIT);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { wallet, until: now + WALLET_CACHE_TTL_MS });
    return wallet;
  }
}
