import type { PricePlan } from '@tollgate/domain';
import { ApiError } from '../errors.ts';
import { GATEWAY_UNIT } from '../gateway/wallets.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { pricingData } from './pricing-views.ts';

/** Who pays a charge made through the admin API: the customer's plan and its usd wallet. */
export interface ChargeTarget {
  plan: PricePlan | null;
  wallet: { id: string; unit: string };
}

/** The customer's plan (assigned, else default) and the wallet gateway calls draw from. */
export async function chargeTarget(deps: AdminDeps, customerId: string): Promise<ChargeTarget> {
  if (!(await deps.store.getCustomer(customerId)))
    throw new ApiError('customer_not_found', `No customer ${customerId}.`, 'customer_id');
  const [row, wallet] = await Promise.all([
    pricingData(deps.store).planForCustomer(customerId),
    gatewayData(deps.store).walletFor(customerId, null, GATEWAY_UNIT),
  ]);
  if (!wallet)
    throw new ApiError(
      'wallet_not_found',
      `Customer ${customerId} has no ${GATEWAY_UNIT} wallet to charge; create one.`,
      'customer_id',
    );
  return { plan: row?.plan ?? null, wallet };
}
