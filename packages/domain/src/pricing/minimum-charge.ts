import type { Micros } from '../money.ts';

/** A charged call costs at least the plan's minimum. */
export const withMinimumCharge = (price: Micros, minimumCharge: Micros): Micros =>
  price < minimumCharge ? minimumCharge : price;
