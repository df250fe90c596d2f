import { refusalStore, type Store } from '@tollgate/storage';
import type { RefusalSource } from './sources.ts';

/**
 * Refusals as the blocked_spike rule reads them: the gateway's per-minute counts (written by
 * gateway/refusal-recorder.ts). A window of the rule is whole minutes, so the buckets fall in it
 * or out of it entirely.
 */
export function storeRefusalSource(store: Store): RefusalSource {
  const refusals = refusalStore(store);
  return { countRefusals: (from, to, customerId) => refusals.countRefusals(from, to, customerId) };
}
