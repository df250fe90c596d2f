import {
  actionKey,
  actionPrice,
  allowanceKey,
  allowancePeriod,
  maxPriceCall,
  ownPrice,
  type PlanCall,
  type PricePlan,
  priceCall,
  sessionCapExceeded,
} from '@tollgate/domain';
import type { Ledger, PricingStore } from '@tollgate/storage';
import { GatewayError } from '../gateway/caller-errors.ts';
import { chargeEvent } from './charges.ts';
import type { AdmissionCall, CallPricing, Pricer } from './pricer.ts';

/** How long an instance trusts a customer's cached plan (like keys): another instance sees a change within it. */
export const PLAN_CACHE_TTL_MS = 1_000;
const PLAN_CACHE_ENTRIES_MAX = 10_000;
/** Ledger keys this instance knows are applied (allowances, actions): skips a ledger round trip. */
const APPLIED_KEYS_MAX = 100_000;

const planCall = (call: CallPricing): PlanCall => ({
  provider: call.provider,
  model: call.model,
  usage: call.usage,
  cost: call.cost,
  cacheStatus: call.cacheStatus,
  valueUnit: call.valueUnit,
  sessionId: call.sessionId,
});

/**
 * Prices calls by the customer's plan: the assigned one, else the default, else pass-through.
 * Before each hold (`admit`) it enforces session cost caps, refuses unpriced value units, grants
 * the period's free allowance and charges a per-action session's action, each once per ledger key.
 */
export class PlanPricer implements Pricer {
  private readonly plans = new Map<string, { plan: PricePlan | null; until: number }>();
  private readonly applied = new Set<string>();
  /** Waits for this instance's answered calls of a session to be charged (set by the gateway's setup). */
  settled: (customerId: string, sessionId: string) => Promise<void> = async () => {};

  constructor(
    private readonly data: PricingStore,
    private readonly ledger: Ledger,
    private readonly clock: () => number = Date.now,
  ) {}

  async plan(customerId: string): Promise<PricePlan | null> {
    const now = this.clock();
    const cached = this.plans.get(customerId);
    if (cached && cached.until > now) return cached.plan;
    const plan = (await this.data.planForCustomer(customerId))?.plan ?? null;
    if (this.plans.size >= PLAN_CACHE_ENTRIES_MAX) this.plans.clear();
    this.plans.set(customerId, { plan, until: now + PLAN_CACHE_TTL_MS });
    return plan;
  }

  /** Forgets cached plans (after a plan change on this instance). */
  invalidate(): void {
    this.plans.clear();
  }

  async maxPrice(call: CallPricing): Promise<bigint> {
    const plan = await this.plan(call.customerId);
    return plan ? maxPriceCall(plan, planCall(call)) : call.cost;
  }

  async price(call: CallPricing): Promise<bigint> {
    const plan = await this.plan(call.customerId);
    return plan ? priceCall(plan, planCall(call)).price : call.cost;
  }

  async admit(call: AdmissionCall): Promise<void> {
    const plan = await this.plan(call.customerId);
    if (!plan) return;
    if (call.valueUnit !== null && ownPrice(plan.units, call.valueUnit) === null) {
      throw new GatewayError(
        'invalid_request',
        `x-tollgate-unit ${call.valueUnit} has no price in this customer's plan (${plan.id}).`,
        'x-tollgate-unit',
      );
    }
    if (call.sessionId !== null && plan.session?.costCap != null)
      await this.checkCap(plan, call, call.sessionId);
    if (plan.freeAllowance) await this.grantAllowance(plan.freeAllowance, call);
    const action = actionPrice(plan);
    if (action !== null && call.sessionId !== null) await this.chargeAction(action, call, call.sessionId);
  }

  private async checkCap(plan: PricePlan, call: AdmissionCall, sessionId: string): Promise<void> {
    // The session's calls answered here are charged just after their answer: count them all.
    await this.settled(call.customerId, sessionId);
    const spent = await this.data.sessionTotals(call.customerId, sessionId);
    if (!sessionCapExceeded(plan, spent.cost, call.cost)) return;
    throw new GatewayError(
      'budget_exceeded',
      `Session ${sessionId} has cost ${spent.cost} micros; this call may cost up to ${call.cost} more, above the session's cap of ${plan.session?.costCap} micros. Start a new session.`,
      'x-tollgate-session',
    );
  }

  /** The period's free credits: one promo grant per customer and period, expiring at its end. */
  private async grantAllowance(allowance: NonNullable<PricePlan['freeAllowance']>, call: AdmissionCall) {
    const period = allowancePeriod(call.at, allowance.period);
    const key = allowanceKey(call.customerId, period.start);
    if (this.applied.has(key)) return;
    const result = await this.ledger.submit({
      command: {
        kind: 'grant',
        walletId: call.walletId,
        amount: allowance.amount,
        source: 'promo',
        expiresAt: period.end,
        // Drawn before purchased credits of the same expiry (lower priority first).
        priority: 0,
        reason: `free allowance (${allowance.period})`,
      },
      idempotencyKey: key,
      requestHash: 'allowance',
    });
    if (result.ok || result.code === 'idempotency_key_reused') this.remember(key);
  }

  /** A per-action session's price, charged on its first call; the calls themselves are priced 0. */
  private async chargeAction(price: bigint, call: AdmissionCall, sessionId: string): Promise<void> {
    const key = actionKey(call.customerId, sessionId);
    if (this.applied.has(key) || price === 0n) return;
    const wallet = await this.ledger.wallet(call.walletId);
    const spendable = wallet ? wallet.balance - wallet.pending + wallet.overdraftLimit - wallet.owed : 0n;
    // Checked before the charge, which always lands (owe): a refused charge would be replayed refused.
    if (spendable < price) {
      throw new GatewayError(
        'insufficient_credits',
        `Insufficient credits: this session's action costs ${price} micros. Top up the wallet.`,
      );
    }
    const event = chargeEvent({
      customerId: call.customerId,
      walletId: call.walletId,
      unit: call.unit,
      api: 'session_action',
      model: 'session_action',
      valueUnit: null,
      sessionId,
      traceId: null,
      feature: null,
      price,
      at: call.at,
    });
    const result = await this.ledger.submit({
      command: {
        kind: 'deduct',
        walletId: call.walletId,
        amount: price,
        reason: `session ${sessionId}`,
        owe: true,
        usageEvent: event,
      },
      idempotencyKey: key,
      requestHash: 'session_action',
    });
    if (result.ok) this.remember(key);
  }

  private remember(key: string): void {
    if (this.applied.size >= APPLIED_KEYS_MAX) this.applied.clear();
    this.applied.add(key);
  }
}
