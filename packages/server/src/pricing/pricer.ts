import type { Micros, TokenCounts } from '@tollgate/domain';

/** One call, as pricing sees it: its cost (from the rate card) and what it used. */
export interface CallPricing {
  customerId: string;
  provider: string;
  model: string;
  usage: TokenCounts;
  /** What the provider charges the vendor for it (the rate card applied to `usage`). */
  cost: Micros;
  cacheStatus: 'miss' | 'hit' | 'semantic';
  /** `x-tollgate-unit`: the call is one value unit (e.g. `clinical_report`). */
  valueUnit: string | null;
  sessionId: string | null;
  at: number;
}

/**
 * Turns cost into price, per the customer's price plan. The gateway asks twice per call: for the
 * hold (the call at its maximum usage) and for the capture (the call as it happened).
 */
export interface Pricer {
  maxPrice(call: CallPricing): Promise<Micros>;
  price(call: CallPricing): Promise<Micros>;
  /**
   * Asked before the hold, with the call at its maximum (`cost` is its maximum cost): may refuse
   * it by throwing a GatewayError (a session over its cost cap: 429 budget_exceeded; an unpriced
   * value unit: 400), and charges what the plan charges apart from calls (a session's action,
   * the period's free allowance) so that the hold sees it.
   */
  admit?(call: AdmissionCall): Promise<void>;
}

/** A call about to be held for: which wallet pays, and its maximum usage and cost. */
export interface AdmissionCall extends CallPricing {
  walletId: string;
  unit: string;
}

/** No plan: the customer pays the cost (DESIGN.md §4: a customer with no plan pays pass-through). */
export const passThroughPricer: Pricer = {
  maxPrice: async (call) => call.cost,
  price: async (call) => call.cost,
};
