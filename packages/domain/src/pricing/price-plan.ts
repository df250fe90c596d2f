import type { Micros } from '../money.ts';
import type { TokenCounts } from './rate-card.ts';

/** Basis points: 10,000 = 100 %. Markups and discounts are integers of these, never floats. */
export const BPS_PER_UNIT = 10_000n;

export type AllowancePeriod = 'day' | 'week' | 'month';
export type SessionMode = 'per_event' | 'per_action';

/**
 * The plan's own price for a model (instead of a markup over cost): token prices in micros per
 * 1,000,000 tokens, like a rate card. `provider` null prices the model whichever provider serves
 * it. `model` is an exact name or a family prefix, matched like rate cards (exact wins).
 */
export interface ModelPrice {
  provider: string | null;
  model: string;
  input: Micros;
  output: Micros;
  /** Cache-read input tokens; the input price when null. Never above `input` (the hold assumes so). */
  cachedInput: Micros | null;
  perRequest: Micros;
}

export interface SessionPricing {
  /** `per_event`: every call is priced; `per_action`: one `actionPrice` per session, calls free. */
  mode: SessionMode;
  actionPrice: Micros | null;
  /** The most a session's calls may cost (provider cost, not price); further calls are refused. */
  costCap: Micros | null;
}

/**
 * What a customer is charged (price), as opposed to what the provider charges (cost). Integers
 * only. A plan with `outcomes` charges for outcomes and prices its calls 0 (they are still costed).
 */
export interface PricePlan {
  id: string;
  name: string | null;
  /** Price = cost × (10,000 + markupBps) / 10,000 for calls with no model price: 2500 = +25 %. */
  markupBps: number;
  modelPrices: readonly ModelPrice[];
  /** The least a charged call costs, in micros. */
  minimumCharge: Micros;
  /** Credits granted per period (a promo grant that expires at the period end). */
  freeAllowance: { amount: Micros; period: AllowancePeriod } | null;
  /** A cache hit costs this share of the miss price (5000 = 50 %); null: the full price. */
  cachedHitBps: number | null;
  /** Flat price per value unit (`x-tollgate-unit: clinical_report`). */
  units: Readonly<Record<string, Micros>>;
  session: SessionPricing | null;
  /** Price per outcome type (`ticket_resolved`). */
  outcomes: Readonly<Record<string, Micros>>;
}

/** One call as pricing sees it. */
export interface PlanCall {
  provider: string;
  model: string;
  usage: TokenCounts;
  /**
   * The provider cost: the rate card applied to `usage`, rounded once already. On a cache hit,
   * what the miss cost (the cache-hit discount applies to the miss price).
   */
  cost: Micros;
  cacheStatus: 'miss' | 'hit' | 'semantic';
  valueUnit: string | null;
  sessionId: string | null;
}

/** A plan with nothing in it: the customer pays the cost. */
export const PASS_THROUGH_PLAN: PricePlan = {
  id: 'pass_through',
  name: null,
  markupBps: 0,
  modelPrices: [],
  minimumCharge: 0n,
  freeAllowance: null,
  cachedHitBps: null,
  units: {},
  session: null,
  outcomes: {},
};

/** A name's entry in a plan's table, never one inherited from Object.prototype (`constructor`). */
export function ownPrice(table: Readonly<Record<string, Micros>>, name: string): Micros | null {
  return Object.hasOwn(table, name) ? (table[name] ?? null) : null;
}

/** Whether the plan charges for outcomes (and so prices its calls 0). */
export const isOutcomePlan = (plan: PricePlan): boolean => Object.keys(plan.outcomes).length > 0;
