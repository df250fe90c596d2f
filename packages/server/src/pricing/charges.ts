import { type Micros, newId, type UsageEvent } from '@tollgate/domain';

/** What a charge made outside a gateway call (a value unit, a session's action) meters. */
export interface ChargeEvent {
  customerId: string;
  walletId: string;
  unit: string;
  /** `unit_event` or `session_action`. */
  api: string;
  /** What was charged for: the unit name or `session_action`. */
  model: string;
  valueUnit: string | null;
  sessionId: string | null;
  traceId: string | null;
  feature: string | null;
  price: Micros;
  at: number;
}

/**
 * The usage event of such a charge: cost 0 (no provider was called), its price, the session it
 * belongs to. Written by the ledger in the same transaction as the deduction, so that session
 * totals and margin reports see every charge of the session.
 *
 * @example
 * chargeEvent({ api: 'unit_event', model: 'clinical_report', price: 2_000_000n, ... });
 */
export function chargeEvent(charge: ChargeEvent): UsageEvent {
  return {
    id: newId('evt'),
    requestId: newId('req'),
    customerId: charge.customerId,
    teamId: null,
    userId: null,
    feature: charge.feature,
    sessionId: charge.sessionId,
    traceId: charge.traceId,
    tags: null,
    keyId: null,
    walletId: charge.walletId,
    provider: 'tollgate',
    model: charge.model,
    api: charge.api,
    valueUnit: charge.valueUnit,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    cost: 0n,
    price: charge.price,
    unit: charge.unit,
    cacheStatus: 'miss',
    status: 'ok',
    latencyMs: 0,
    upstreamRequestId: null,
    holdId: null,
    transactionId: null,
    createdAt: charge.at,
  };
}
