import type { Micros } from '../money.ts';

/**
 * One metered call: who, what, how much. Written in the same database transaction as the
 * capture that settles it, so a call is metered exactly once, never zero times.
 */
export interface UsageEvent {
  id: string;
  requestId: string;
  customerId: string;
  teamId: string | null;
  userId: string | null;
  feature: string | null;
  sessionId: string | null;
  traceId: string | null;
  tags: Record<string, string> | null;
  keyId: string | null;
  walletId: string;
  provider: string;
  model: string;
  api: string;
  /** The value unit the call was (`x-tollgate-unit`, e.g. `clinical_report`), if any. */
  valueUnit: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  reasoningTokens: number;
  /** Some count was made by Tollgate, not reported by the provider. */
  estimated: boolean;
  cost: Micros;
  price: Micros;
  unit: string;
  cacheStatus: 'miss' | 'hit' | 'semantic';
  /** `ok`, `client_aborted` (billed for what was generated), `upstream_failed` (for what was delivered). */
  status: 'ok' | 'client_aborted' | 'upstream_failed' | 'hold_exhausted';
  latencyMs: number;
  upstreamRequestId: string | null;
  holdId: string | null;
  /** The capture transaction; filled in by the ledger. */
  transactionId: string | null;
  createdAt: number;
}
