import { idParams, listOf } from '../fields.ts';
import { defineRoute } from '../route.ts';
import { createOutcomeBody, outcomeSchema } from './outcomes.ts';
import { assignPlanBody, createPlanBody, customerPlanSchema, listPlansQuery, planSchema } from './plans.ts';
import { sessionParams, sessionQuery, sessionSchema } from './sessions.ts';
import { unitEventBody, unitEventSchema, unitParams } from './units.ts';

/**
 * The routes of price plans, value units, outcomes and sessions (spread into adminRoutes).
 *
 * @example
 * pricingRoutes.createPlan.path; // '/plans'
 */
export const pricingRoutes = {
  createPlan: defineRoute({
    method: 'post',
    path: '/plans',
    operationId: 'createPlan',
    summary: 'Create a price plan (what customers are charged)',
    description:
      'Markup over cost, per-model token prices, a minimum charge, a free allowance, cache-hit pricing, value units, session and outcome prices. Plans are never edited: create a new one and assign it. See docs/pricing.md for the order they apply in.',
    tags: ['plans'],
    auth: true,
    idempotent: false,
    body: createPlanBody,
    status: 201,
    response: planSchema,
    errors: ['resource_already_exists'],
  }),
  listPlans: defineRoute({
    method: 'get',
    path: '/plans',
    operationId: 'listPlans',
    summary: 'List price plans',
    tags: ['plans'],
    auth: true,
    idempotent: false,
    query: listPlansQuery,
    status: 200,
    response: listOf(planSchema),
    errors: [],
  }),
  getPlan: defineRoute({
    method: 'get',
    path: '/plans/{id}',
    operationId: 'getPlan',
    summary: 'Get a price plan',
    tags: ['plans'],
    auth: true,
    idempotent: false,
    params: idParams,
    status: 200,
    response: planSchema,
    errors: ['plan_not_found'],
  }),
  assignPlan: defineRoute({
    method: 'put',
    path: '/customers/{id}/plan',
    operationId: 'assignPlan',
    summary: "Set a customer's price plan",
    description:
      'Applies to calls priced from then on (within a second on every instance). A customer with no plan pays the default plan, or the cost when there is none.',
    tags: ['plans'],
    auth: true,
    idempotent: false,
    params: idParams,
    body: assignPlanBody,
    status: 200,
    response: customerPlanSchema,
    errors: ['customer_not_found', 'plan_not_found'],
  }),
  createUnitEvent: defineRoute({
    method: 'post',
    path: '/units/{unit}/events',
    operationId: 'createUnitEvent',
    summary: 'Charge value units delivered outside the gateway',
    description:
      "Charges the plan's unit price × quantity to the customer's usd wallet and meters it (api unit_event, cost 0). Usage that happened is always charged: what the wallet cannot cover is booked as owed.",
    tags: ['units'],
    auth: true,
    idempotent: true,
    params: unitParams,
    body: unitEventBody,
    status: 201,
    response: unitEventSchema,
    errors: [
      'customer_not_found',
      'wallet_not_found',
      'unit_not_priced',
      'wallet_frozen',
      'idempotency_key_reused',
    ],
  }),
  createOutcome: defineRoute({
    method: 'post',
    path: '/outcomes',
    operationId: 'createOutcome',
    summary: 'Record an outcome and charge its price',
    description:
      "Charges the price the customer's plan gives the outcome type (booked as owed if the wallet cannot cover it), once per Idempotency-Key. The calls of an outcome-priced plan are costed but not charged.",
    tags: ['outcomes'],
    auth: true,
    idempotent: true,
    body: createOutcomeBody,
    status: 201,
    response: outcomeSchema,
    errors: [
      'customer_not_found',
      'wallet_not_found',
      'outcome_not_priced',
      'wallet_frozen',
      'idempotency_key_reused',
    ],
  }),
  getSession: defineRoute({
    method: 'get',
    path: '/sessions/{id}',
    operationId: 'getSession',
    summary: 'An agent run: its events, cost, price, margin, duration and outcomes',
    tags: ['sessions'],
    auth: true,
    idempotent: false,
    params: sessionParams,
    query: sessionQuery,
    status: 200,
    response: sessionSchema,
    errors: ['session_not_found'],
  }),
};
