import { costOf, type Micros, type RateCard, type UsageEvent } from '@tollgate/domain';
import { type Api, isComplete, type JsonObject, type Usage, type UsageReport } from '@tollgate/providers';
import type { Admission } from '../limits/admission.ts';
import type { Attribution } from './attribution.ts';
import type { Route } from './catalog.ts';
import type { VirtualKey } from './keys.ts';
import type { Reservation } from './leases.ts';

/** Output ceiling assumed for the hold when the caller sets none and the model has no default. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/**
 * The most a call can cost: every input token at the full input rate (no cache discount is
 * assumed) plus its output ceiling at the output rate. This is what the hold reserves.
 */
export function maxCost(card: RateCard, inputTokens: number, maxOutputTokens: number): Micros {
  return costOf(card, {
    inputTokens,
    outputTokens: maxOutputTokens,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  });
}

/**
 * The usage to bill: the provider's report when complete; otherwise what it did report, with
 * the rest counted locally (and the usage marked estimated). Missing usage is never zero.
 */
export function finalUsage(
  route: Route,
  api: Api,
  report: UsageReport | null,
  countedInput: number,
  outputText: string,
): Usage {
  if (isComplete(report)) return { ...report, estimated: false };
  const outputTokens =
    report?.outputTokens ??
    (api === 'embeddings' || api === 'count_tokens'
      ? 0
      : route.adapter.countOutput(outputText, route.model).tokens);
  const inputTokens = report?.inputTokens ?? countedInput;
  const cacheWrites = Math.min(report?.cacheCreationInputTokens ?? 0, inputTokens);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(report?.cachedInputTokens ?? 0, inputTokens),
    cacheCreationInputTokens: cacheWrites,
    cacheCreation1hInputTokens: Math.min(report?.cacheCreation1hInputTokens ?? 0, cacheWrites),
    reasoningTokens: Math.min(report?.reasoningTokens ?? 0, outputTokens),
    estimated: true,
  };
}

export interface CallContext {
  requestId: string;
  api: Api;
  key: VirtualKey;
  attribution: Attribution;
  route: Route;
  card: RateCard;
  walletId: string;
  unit: string;
  /** The call's hold, or its instance's lease the call reserved its part of (then `reservation`). */
  holdId: string;
  holdAmount: Micros;
  /** The call's part of a lease (leases.ts), or null when it holds on its own. */
  reservation: Reservation | null;
  /** The wallet's balance less its pending holds right after this call's hold. */
  availableAfterHold: Micros;
  /** The stream ends cleanly when its hold is used up (the key's option). */
  cut: boolean;
  /** The cost at which the hold is used up (null: the stream is never cut). */
  cutCostLimit: Micros | null;
  countedInput: number;
  startedAt: number;
  body: JsonObject;
  /** The call's place within its rate limits (null when none applies): headers and the token true-up. */
  rateLimit?: Admission | null;
  /** A soft budget was passed by this call's hold: the answer says `x-tollgate-budget: warning`. */
  budgetWarning?: boolean;
}

export function usageEvent(
  call: CallContext,
  usage: Usage,
  cost: Micros,
  status: UsageEvent['status'],
  upstreamRequestId: string | null,
  now: number,
  id: string,
): UsageEvent {
  const a = call.attribution;
  return {
    id,
    requestId: call.requestId,
    customerId: a.customerId,
    teamId: a.teamId,
    userId: a.userId,
    feature: a.feature,
    sessionId: a.sessionId,
    traceId: a.traceId,
    tags: a.tags,
    keyId: call.key.id,
    walletId: call.walletId,
    provider: call.route.provider.id,
    model: call.route.model,
    api: call.api,
    valueUnit: a.unit,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    cacheCreationInputTokens: usage.cacheCreationInputTokens,
    reasoningTokens: usage.reasoningTokens,
    estimated: usage.estimated,
    cost,
    // The gateway prices it (the customer's plan) before the capture.
    price: cost,
    unit: call.unit,
    cacheStatus: 'miss',
    status,
    latencyMs: Math.max(0, Math.round(now - call.startedAt)),
    upstreamRequestId,
    holdId: call.holdId,
    transactionId: null,
    createdAt: Date.now(),
  };
}

export type { JsonObject };
