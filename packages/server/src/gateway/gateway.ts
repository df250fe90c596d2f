import {
  type BudgetCharge,
  costOf,
  type Micros,
  newId,
  type RateCard,
  type UsageEvent,
} from '@tollgate/domain';
import { type Api, isComplete, type JsonObject, type UsageReport } from '@tollgate/providers';
import type { Ledger } from '@tollgate/storage';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import { type CallPricing, type Pricer, passThroughPricer } from '../pricing/pricer.ts';
import { type Attribution, attribute } from './attribution.ts';
import { type CallContext, finalUsage, maxCost, usageEvent } from './billing.ts';
import { bearer, readJsonBody } from './body.ts';
import { type BudgetResolver, budgetExceeded, type CallBudgets } from './budgets.ts';
import { type CallerFormat, errorResponse, GatewayError, type GatewayErrorCode } from './caller-errors.ts';
import type { Catalog } from './catalog.ts';
import { type GatewayReply, type GatewayRequest, json } from './exchange.ts';
import { type KeyResolver, modelAllowed, type VirtualKey } from './keys.ts';
import type { Leases, Reservation } from './leases.ts';
import { COUNTED_REFUSALS } from './refusal-recorder.ts';
import type { Settler } from './settler.ts';
import { StreamPump } from './stream.ts';
import { isTimeout, readAll, type Upstream, type UpstreamResponse } from './upstream.ts';

export interface GatewayLimits {
  bodyBytesMax: number;
  holdTtlMs: number;
  defaultMaxOutputTokens: number;
}

export interface WalletRef {
  id: string;
  unit: string;
}

export interface GatewayDeps {
  ledger: Ledger;
  /** Charges calls after their answer, from a durable outbox (settler.ts). */
  settler: Pick<Settler, 'settle'>;
  /** Calls' holds decided in memory against a lease of the wallet (leases.ts); absent: a hold per call. */
  leases?: Pick<Leases, 'reserve' | 'giveBack' | 'settled'>;
  keys: KeyResolver;
  catalog: Catalog;
  rateCard(provider: string, model: string, at: number): RateCard | null;
  wallet(key: VirtualKey, attribution: Attribution): Promise<WalletRef | undefined>;
  /** Model ids this gateway can price, for GET /v1/models. */
  models(): { id: string; ownedBy: string }[];
  upstream: Upstream;
  /** Cost → price, by the customer's plan (default: the customer pays the cost). */
  pricer?: Pricer;
  limits: GatewayLimits;
  /** Requests and tokens per minute (server/src/limits); absent: no rate limits. */
  rateLimiter?: Pick<RateLimiter, 'admit'>;
  /** The customer's budgets a call counts against (see budgets.ts); absent: none. */
  budgets?: Pick<BudgetResolver, 'resolve'>;
  log?: (line: string) => void;
  /** Told of each call of a known customer refused with 402/429 (a bad key has none); sync. */
  onRefused?: (customerId: string, code: GatewayErrorCode) => void;
  /** Told when a call's hold passed soft budgets' caps (the call goes on); sync, never awaited. */
  onSoftCapPassed?: (customerId: string, budgetIds: string[]) => void;
  /** Told of each call once it is charged and metered (e.g. to export a span); never awaited. */
  onSettled?: (call: CallContext, event: UsageEvent) => void;
  /** More data-plane routes by `METHOD /path` (e.g. `POST /v1/traces`), served beside the calls. */
  routes?: Readonly<Record<string, (request: GatewayRequest) => Promise<GatewayReply>>>;
}

/** A stream that may be cut starts only if its hold covers the prompt and this much output. */
export const CUT_OUTPUT_TOKENS_MIN = 8;

/** Upstream response headers worth passing on: the provider's request id and content type. */
const PASSED_HEADERS = ['x-request-id', 'request-id', 'openai-processing-ms', 'anthropic-organization-id'];

/**
 * The data plane: authenticate, attribute, route, price, hold the most the call can cost, forward,
 * read or count what it really used, capture that (metering it in the same transaction), and
 * answer. Streams pass through chunk by chunk (see stream.ts).
 */
export class Gateway {
  private readonly pricer: Pricer;

  constructor(private readonly deps: GatewayDeps) {
    this.pricer = deps.pricer ?? passThroughPricer;
  }

  async handle(api: Api, format: CallerFormat, request: GatewayRequest): Promise<GatewayReply> {
    const requestId = newId('req');
    try {
      return await this.call(api, format, request, requestId);
    } catch (error) {
      return this.failure(format, error, requestId);
    }
  }

  /** A route given in GatewayDeps.routes, or null. */
  route(method: string, path: string): ((request: GatewayRequest) => Promise<GatewayReply>) | null {
    return this.deps.routes?.[`${method} ${path}`] ?? null;
  }

  /** GET /v1/models in OpenAI's list format: the models this key may call and Tollgate can price. */
  async models(request: GatewayRequest): Promise<GatewayReply> {
    try {
      const key = await this.deps.keys.authenticate(bearer(request));
      const data = this.deps
        .models()
        .filter((m) => modelAllowed(key, m.id))
        .map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy }));
      return json(200, { object: 'list', data });
    } catch (error) {
      return this.failure('openai', error, newId('req'));
    }
  }

  /** POST /v1/messages/count_tokens: free at Anthropic, so forwarded without a hold. */
  async countTokens(request: GatewayRequest): Promise<GatewayReply> {
    const requestId = newId('req');
    try {
      const key = await this.deps.keys.authenticate(bearer(request));
      const body = await readJsonBody(request, this.deps.limits.bodyBytesMax);
      const model = typeof body.model === 'string' ? body.model : '';
      if (!model)
        throw new GatewayError('invalid_request', 'model is required and must be a string.', 'model');
      if (!modelAllowed(key, model))
        throw new GatewayError('model_not_allowed', `This key may not call ${model}.`, 'model');
      const route = this.deps.catalog.route(model, 'count_tokens');
      const get = (name: string) => request.header(name);
      const upstream = await this.deps.upstream
        .send(
          route.adapter.url(route.provider.baseUrl, 'count_tokens'),
          route.adapter.headers(route.provider.apiKey, get),
          JSON.stringify({ ...body, model: route.model }),
          request.signal,
        )
        .catch(() => {
          throw new GatewayError('upstream_error', `${route.provider.id} could not be reached.`);
        });
      const raw = await readAll(upstream.body);
      return {
        status: upstream.status,
        headers: {
          'content-type': headerValue(upstream.headers, 'content-type') ?? 'application/json',
          'x-tollgate-request-id': requestId,
        },
        body: raw,
      };
    } catch (error) {
      return this.failure('anthropic', error, requestId);
    }
  }

  private failure(format: CallerFormat, error: unknown, requestId: string): GatewayReply {
    const failure =
      error instanceof GatewayError
        ? error
        : new GatewayError('internal_error', 'Tollgate failed to handle the call.');
    if (!(error instanceof GatewayError))
      this.deps.log?.(`gateway ${requestId}: ${(error as Error).stack ?? error}`);
    return errorResponse(format, failure, { ...failure.headers, 'x-tollgate-request-id': requestId });
  }

  private async call(
    api: Api,
    format: CallerFormat,
    request: GatewayRequest,
    requestId: string,
  ): Promise<GatewayReply> {
    const startedAt = performance.now();
    const key = await this.deps.keys.authenticate(bearer(request));
    try {
      return await this.callAs(key, api, format, request, requestId, startedAt);
    } catch (error) {
      if (error instanceof GatewayError && COUNTED_REFUSALS.has(error.code))
        this.notify(() => this.deps.onRefused?.(key.customerId, error.code));
      throw error;
    }
  }

  /** Hooks are telemetry: one that throws must not turn a call into a 500. */
  private notify(hook: () => void): void {
    try {
      hook();
    } catch (error) {
      this.deps.log?.(`gateway hook failed: ${(error as Error).stack ?? error}`);
    }
  }

  private async callAs(
    key: VirtualKey,
    api: Api,
    format: CallerFormat,
    request: GatewayRequest,
    requestId: string,
    startedAt: number,
  ): Promise<GatewayReply> {
    const body = await readJsonBody(request, this.deps.limits.bodyBytesMax);
    const model = body.model;
    if (typeof model !== 'string' || model.length === 0) {
      throw new GatewayError('invalid_request', 'model is required and must be a string.', 'model');
    }
    const get = (name: string) => request.header(name);
    const attribution = attribute(key, get);
    if (!modelAllowed(key, model)) {
      throw new GatewayError('model_not_allowed', `This key may not call ${model}.`, 'model');
    }
    const route = this.deps.catalog.route(model, api);
    const card = this.deps.rateCard(route.provider.id, route.model, Date.now());
    if (!card) {
      throw new GatewayError(
        'model_not_priced',
        `Model ${model} has no rate card, so its calls cannot be billed. Add one with POST /api/v1/rate-cards.`,
        'model',
      );
    }
    const wallet = await this.deps.wallet(key, attribution);
    if (!wallet) {
      throw new GatewayError(
        'wallet_not_found',
        `Customer ${key.customerId} has no wallet to pay for calls. Create one.`,
      );
    }
    const counted = route.adapter.countInput(api, body, route.model);
    const maxOutput = route.adapter.maxOutputTokens(api, body) ?? this.deps.limits.defaultMaxOutputTokens;
    const cuttable =
      key.endStreamOnHoldExhausted && body.stream === true && (api === 'chat' || api === 'messages');
    // The hold is the most the call can be charged: its price at its maximum usage.
    const callAt = (outputTokens: number): CallPricing => ({
      customerId: key.customerId,
      provider: route.provider.id,
      model: route.model,
      usage: {
        inputTokens: counted.tokens,
        outputTokens,
        cachedInputTokens: 0,
        cacheCreationInputTokens: 0,
        reasoningTokens: 0,
      },
      cost: maxCost(card, counted.tokens, outputTokens),
      cacheStatus: 'miss',
      valueUnit: attribution.unit,
      sessionId: attribution.sessionId,
      at: Date.now(),
    });
    const priceAt = (outputTokens: number) => this.pricer.maxPrice(callAt(outputTokens));
    // The plan may refuse the call (a session over its cost cap) or charge apart from it first
    // (a session's action, the period's free allowance), so that the hold sees that charge.
    await this.pricer.admit?.({ ...callAt(maxOutput), walletId: wallet.id, unit: wallet.unit });
    // Rate limits before the hold: a refused call holds, sends and bills nothing. Tokens count
    // the prompt plus the output ceiling now and are trued up to the real usage at settlement.
    const rateLimit = await this.deps.rateLimiter?.admit(
      {
        keyId: key.id,
        customerId: key.customerId,
        userId: attribution.userId,
        model,
        keyRequestsPerMinute: key.requestsPerMinute ?? null,
        keyTokensPerMinute: key.tokensPerMinute ?? null,
      },
      () => counted.tokens + maxOutput,
    );
    const maxPrice = await priceAt(maxOutput);
    // Budgets are checked by the hold itself, in the ledger's transaction (DESIGN.md §3).
    const budgets = await this.deps.budgets?.resolve({
      customerId: key.customerId,
      teamId: attribution.teamId,
      userId: attribution.userId,
      feature: attribution.feature,
      sessionId: attribution.sessionId,
      keyId: key.id,
      models: [model, route.model],
    });
    const { holdId, holdAmount, available, softCapsPassed, reservation } = await this.hold(
      wallet.id,
      maxPrice,
      requestId,
      {
        // A stream that may be cut can start on less than its maximum: the prompt and some output.
        floor: cuttable ? await priceAt(CUT_OUTPUT_TOKENS_MIN) : null,
        budgets: budgets ?? null,
      },
    ).catch(async (error: unknown) => {
      await rateLimit?.settle(0);
      throw error;
    });
    const budgetWarning = softCapsPassed.length > 0;
    if (budgetWarning) this.notify(() => this.deps.onSoftCapPassed?.(key.customerId, softCapsPassed));
    const call: CallContext = {
      requestId,
      api,
      key,
      attribution,
      route,
      card,
      walletId: wallet.id,
      unit: wallet.unit,
      holdId,
      holdAmount,
      reservation,
      availableAfterHold: available,
      cut: cuttable,
      // The stream watch counts cost; the hold is a price. The cost that uses the hold up is the
      // hold's share of the call's most: a plan that prices by markup scales both alike. A call
      // priced 0 (an outcome plan, a session action) has nothing to use up.
      cutCostLimit:
        cuttable && maxPrice > 0n ? (holdAmount * maxCost(card, counted.tokens, maxOutput)) / maxPrice : null,
      countedInput: counted.tokens,
      startedAt,
      body,
      rateLimit,
      budgetWarning,
    };
    return this.forward(call, format, request, get);
  }

  /**
   * Holds the most the call can cost: a part of the instance's lease of the wallet when one can
   * serve it (a call counting against budgets holds on its own, so that each budget sees it), else
   * a hold of its own. With a floor (a stream that may be cut), a wallet that cannot cover the
   * most is held for all it can spend instead, if that covers the floor.
   */
  private async hold(
    walletId: string,
    amount: Micros,
    requestId: string,
    options: { floor: Micros | null; budgets: CallBudgets | null },
  ): Promise<{
    holdId: string;
    holdAmount: Micros;
    available: Micros;
    softCapsPassed: string[];
    reservation: Reservation | null;
  }> {
    const wanted = amount > 0n ? amount : 1n;
    const charges = options.budgets?.charges ?? [];
    const reservation = charges.length === 0 ? await this.deps.leases?.reserve(walletId, wanted) : null;
    if (reservation) return reserved(reservation);
    let result = await this.submitHold(walletId, wanted, requestId, charges);
    if (!result.ok && result.code === 'insufficient_credits' && options.floor !== null) {
      const wallet = await this.deps.ledger.wallet(walletId);
      const spendable =
        wallet && wallet.owed === 0n ? wallet.balance - wallet.pending + wallet.overdraftLimit : 0n;
      if (spendable >= options.floor && spendable > 0n) {
        const most = spendable < wanted ? spendable : wanted;
        // What the wallet can spend counts the lease's unreserved part: reserve from it first.
        const part = charges.length === 0 ? await this.deps.leases?.reserve(walletId, most) : null;
        if (part) return reserved(part);
        result = await this.submitHold(walletId, most, requestId, charges);
      }
    }
    if (result.ok && result.value.kind === 'hold')
      return {
        holdId: result.value.hold.id,
        holdAmount: result.value.hold.amount,
        available: result.value.wallet.balance - result.value.wallet.pending,
        // A hard budget passed refuses the hold: those passed here are soft.
        softCapsPassed: (result.value.budgets ?? []).filter((b) => b.exceeded).map((b) => b.budgetId),
        reservation: null,
      };
    if (!result.ok && result.code === 'budget_exceeded' && options.budgets)
      throw budgetExceeded(options.budgets, result.budgetId, Date.now());
    if (!result.ok && result.code === 'wallet_frozen')
      throw new GatewayError('wallet_frozen', 'The wallet is frozen.');
    throw new GatewayError(
      'insufficient_credits',
      `Insufficient credits: this call may cost up to ${amount} micros and the wallet cannot cover it. Top up the wallet or lower max_tokens.`,
    );
  }

  private submitHold(walletId: string, amount: Micros, requestId: string, budgets: BudgetCharge[]) {
    return this.deps.ledger.submit(
      {
        command: {
          kind: 'hold',
          walletId,
          amount,
          ttlMs: this.deps.limits.holdTtlMs,
          capturePolicy: 'overflow',
          metadata: { request_id: requestId },
          ...(budgets.length > 0 ? { budgets } : {}),
        },
      },
      'hold',
    );
  }

  private async forward(
    call: CallContext,
    format: CallerFormat,
    request: GatewayRequest,
    get: (name: string) => string | undefined,
  ): Promise<GatewayReply> {
    const { route, api } = call;
    const prepared = route.adapter.prepare(api, call.body, route.model);
    let upstream: UpstreamResponse;
    try {
      // The client's going away aborts the upstream call; once it answered, destroying its body does.
      upstream = await this.deps.upstream.send(
        route.adapter.url(route.provider.baseUrl, api),
        route.adapter.headers(route.provider.apiKey, get),
        // Serialized again even when unchanged: the caller's bytes could hold a key twice (JSON.parse
        // keeps the last), and the provider must read the request Tollgate priced.
        JSON.stringify(prepared.body),
        request.signal,
      );
    } catch (error) {
      if (request.signal.aborted) {
        // The prompt was sent: the provider may already have read (and charged for) it.
        await this.settle(call, null, '', 'client_aborted', null);
        throw new GatewayError('upstream_error', 'The client went away before the provider answered.');
      }
      await this.release(call);
      await call.rateLimit?.settle(0);
      throw isTimeout(error)
        ? new GatewayError('upstream_timeout', `${route.provider.id} did not answer in time.`)
        : new GatewayError('upstream_error', `${route.provider.id} could not be reached.`);
    }
    const upstreamRequestId =
      headerValue(upstream.headers, 'x-request-id') ?? headerValue(upstream.headers, 'request-id') ?? null;
    if (upstream.status >= 400) {
      // Nothing was generated: nothing is billed.
      const errorBody = await readAll(upstream.body).catch(() => Buffer.alloc(0));
      await this.release(call);
      await call.rateLimit?.settle(0);
      return this.upstreamError(call, format, upstream, errorBody);
    }
    const contentType = headerValue(upstream.headers, 'content-type') ?? 'application/json';
    if (contentType.includes('text/event-stream')) {
      return StreamPump.reply({
        call,
        upstream,
        contentType,
        stripUsageChunk: prepared.stripUsageChunk,
        cut:
          call.cutCostLimit !== null
            ? {
                card: call.card,
                inputTokens: call.countedInput,
                costLimit: call.cutCostLimit,
                countOutput: (text) => route.adapter.countOutput(text, route.model).tokens,
              }
            : null,
        headers: this.baseHeaders(call, upstream),
        settle: (report, outputText, status) =>
          this.settle(call, report, outputText, status, upstreamRequestId),
      });
    }
    let raw: Buffer;
    try {
      raw = await readAll(upstream.body);
    } catch {
      // The body broke off: what was generated is unknown; bill the input (counted) only.
      await this.settle(
        call,
        null,
        '',
        request.signal.aborted ? 'client_aborted' : 'upstream_failed',
        upstreamRequestId,
      );
      throw new GatewayError('upstream_error', `${route.provider.id} broke off its response.`);
    }
    const parsed = parseObject(raw);
    const report = parsed ? route.adapter.usage(api, parsed) : null;
    // The text is counted only when the provider's usage is incomplete (finalUsage).
    const outputText = parsed && !isComplete(report) ? route.adapter.outputText(api, parsed) : '';
    const settled = await this.settle(call, report, outputText, 'ok', upstreamRequestId);
    return {
      status: upstream.status,
      body: raw,
      headers: {
        ...this.baseHeaders(call, upstream),
        'content-type': contentType,
        'x-tollgate-cost': String(settled.cost),
        'x-tollgate-price': String(settled.price),
        ...(settled.balance === null ? {} : { 'x-tollgate-balance': String(settled.balance) }),
      },
    };
  }

  private baseHeaders(call: CallContext, upstream: UpstreamResponse): Record<string, string> {
    const headers: Record<string, string> = {
      ...call.rateLimit?.headers,
      'x-tollgate-request-id': call.requestId,
      'x-tollgate-cache': 'miss',
      ...(call.budgetWarning ? { 'x-tollgate-budget': 'warning' } : {}),
    };
    for (const name of PASSED_HEADERS) {
      const value = headerValue(upstream.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }

  /** Passes a provider's 4xx through as it is (same API format); a 5xx becomes our 502. */
  private upstreamError(
    call: CallContext,
    format: CallerFormat,
    upstream: UpstreamResponse,
    body: Buffer,
  ): GatewayReply {
    if (upstream.status >= 500) {
      return errorResponse(
        format,
        new GatewayError('upstream_error', `${call.route.provider.id} failed with HTTP ${upstream.status}.`),
        { ...call.rateLimit?.headers, 'x-tollgate-request-id': call.requestId },
      );
    }
    const headers = this.baseHeaders(call, upstream);
    headers['content-type'] = headerValue(upstream.headers, 'content-type') ?? 'application/json';
    const retryAfter = headerValue(upstream.headers, 'retry-after');
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    return { status: upstream.status, headers, body };
  }

  /** Nothing billable was sent: the call's hold (or its part of the lease) is free again. */
  private async release(call: CallContext): Promise<void> {
    if (call.reservation) this.deps.leases?.giveBack(call.reservation);
    else await this.deps.ledger.submit({ command: { kind: 'release', holdId: call.holdId } });
  }

  /**
   * Prices what the call used and hands it to the settler, which captures it after the answer
   * (above its hold too: the excess is debited within the overdraft, and what the overdraft cannot
   * cover is booked as owed) and meters it in the same transaction. The balance the answer shows is
   * the wallet's as of the hold, with this call's charge in place of its hold.
   */
  async settle(
    call: CallContext,
    report: UsageReport | null,
    outputText: string,
    status: UsageEvent['status'],
    upstreamRequestId: string | null,
  ): Promise<{ cost: Micros; price: Micros; balance: Micros | null }> {
    const usage = finalUsage(call.route, call.api, report, call.countedInput, outputText);
    // The token true-up is bookkeeping for the next calls: not awaited (nor fatal when it fails).
    call.rateLimit
      ?.settle(usage.inputTokens + usage.outputTokens)
      .catch((error: unknown) =>
        this.deps.log?.(`gateway ${call.requestId}: rate-limit true-up failed: ${error}`),
      );
    const cost = costOf(call.card, usage);
    const event = usageEvent(call, usage, cost, status, upstreamRequestId, performance.now(), newId('evt'));
    const { reservation } = call;
    const leases = this.deps.leases;
    try {
      event.price = await this.pricer.price({
        customerId: call.attribution.customerId,
        provider: call.route.provider.id,
        model: call.route.model,
        usage,
        cost,
        cacheStatus: event.cacheStatus,
        valueUnit: call.attribution.unit,
        sessionId: call.attribution.sessionId,
        at: Date.now(),
      });
    } catch (error) {
      // No settlement will come: its part stays held until the lease goes back, as a hold would.
      if (reservation) leases?.settled(reservation);
      throw error;
    }
    // A stream stopped at its hold is charged at most the hold: the piece in flight is Tollgate's.
    if (status === 'hold_exhausted' && event.price > call.holdAmount) event.price = call.holdAmount;
    const onSettled = this.deps.onSettled;
    await this.deps.settler.settle(
      {
        holdId: call.holdId,
        walletId: call.walletId,
        amount: event.price,
        event,
        ...(reservation ? { share: reservation.amount } : {}),
      },
      onSettled && ((settled) => onSettled(call, settled)),
      // Its part of the lease is spoken for until its settlement is done with, whatever the outcome.
      reservation && leases ? () => leases.settled(reservation) : undefined,
    );
    return { cost, price: event.price, balance: call.availableAfterHold + call.holdAmount - event.price };
  }
}

/** A call's hold as its part of a lease: it passes no budget (calls with budgets hold on their own). */
function reserved(reservation: Reservation) {
  return {
    holdId: reservation.holdId,
    holdAmount: reservation.amount,
    available: reservation.available,
    softCapsPassed: [],
    reservation,
  };
}

function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseObject(raw: Buffer): JsonObject | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}
