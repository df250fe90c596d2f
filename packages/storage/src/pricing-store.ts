import type { Micros, PricePlan } from '@tollgate/domain';
import { PostgresPricingStore } from './postgres/pricing.ts';
import { PostgresStore } from './postgres/store.ts';
import { SqlitePricingStore } from './sqlite/pricing.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

export interface PlanRow {
  plan: PricePlan;
  /** The plan of every customer that has none assigned; at most one plan is the default. */
  isDefault: boolean;
  createdAt: number;
}

/** A business event posted by the vendor (`ticket_resolved`) and what it charged. */
export interface OutcomeRow {
  id: string;
  customerId: string;
  type: string;
  sessionId: string | null;
  traceId: string | null;
  price: Micros;
  /** The ledger deduction that charged it (null when its price is 0). */
  transactionId: string | null;
  idempotencyKey: string | null;
  createdAt: number;
}

/** The usage events of one session, summed. */
export interface SessionTotals {
  /** Gateway calls (charges made apart from calls are not requests). */
  requests: number;
  cost: Micros;
  price: Micros;
  startedAt: number | null;
  endedAt: number | null;
}

/** Price plans, their assignment to customers, outcomes, and session totals. */
export interface PricingStore {
  /** Adds a plan; a default plan stops being the default of the one before it (same transaction). */
  createPlan(row: PlanRow): Promise<void>;
  getPlan(id: string): Promise<PlanRow | undefined>;
  listPlans(afterId: string | null, limit: number): Promise<PlanRow[]>;
  /** Assigns (or reassigns) a customer's plan. */
  assignPlan(customerId: string, planId: string, at: number): Promise<void>;
  /** The customer's assigned plan, else the default plan, else none (pass-through). */
  planForCustomer(customerId: string): Promise<PlanRow | undefined>;
  /** Inserts an outcome; under an idempotency key already used by the customer, returns the first. */
  createOutcome(row: OutcomeRow): Promise<OutcomeRow>;
  listOutcomes(customerId: string, sessionId: string): Promise<OutcomeRow[]>;
  /** Sums the customer's usage events of a session (the session index makes this one range read). */
  sessionTotals(customerId: string, sessionId: string): Promise<SessionTotals>;
}

/** The pricing tables, on the same connection as the store's ledger (like gatewayStore). */
export function pricingStore(store: Store): PricingStore {
  if (store instanceof SqliteStore) return new SqlitePricingStore(store.db);
  if (store instanceof PostgresStore) return new PostgresPricingStore(store.pool);
  throw new Error(`no pricing store for ${store.dialect}`);
}
