import type { Micros } from '../money.ts';
import { type Exact, exactOf, scaleExact } from './exact.ts';
import { BPS_PER_UNIT } from './price-plan.ts';

/** cost × (1 + markupBps / 10,000), unrounded: 1,000 micros at 2500 bps is exactly 1,250. */
export function markupPrice(cost: Micros, markupBps: number): Exact {
  return scaleExact(exactOf(cost), BPS_PER_UNIT + BigInt(markupBps), BPS_PER_UNIT);
}
