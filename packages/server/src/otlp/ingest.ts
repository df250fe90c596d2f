import { createHash } from 'node:crypto';
import { costOf, type Micros, newId, type RateCard, type UsageEvent } from '@tollgate/domain';
import type { Ledger } from '@tollgate/storage';
import type { Attribution } from '../gateway/attribution.ts';
import { bearer } from '../gateway/body.ts';
import { GatewayError } from '../gateway/caller-errors.ts';
import { type GatewayReply, type GatewayRequest, RequestTooLarge } from '../gateway/exchange.ts';
import type { WalletRef } from '../gateway/gateway.ts';
import type { KeyResolver, VirtualKey } from '../gateway/keys.ts';
import type { Pricer } from '../pricing/pricer.ts';
import { spanAttribution } from './attribution.ts';
import { decodeSpans, inflate, OtlpBadRequest, type OtlpEncoding, otlpEncoding } from './decode.ts';
import { encodeStatus, encodeTraceResponse } from './proto.ts';
import { type SpanUsage, spanUsage } from './span-usage.ts';

/** Rejection messages quoted in partialSuccess.errorMessage; the rest are counted. */
const MESSAGES_MAX = 5;

/** google.rpc.Code values OTLP/HTTP failure bodies carry. */
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 8, 415: 3, 503: 14 };

export interface OtlpIngestDeps {
  ledger: Ledger;
  keys: KeyResolver;
  rateCard(provider: string, model: string, at: number): RateCard | null;
  wallet(key: VirtualKey, attribution: Attribution): Promise<WalletRef | undefined>;
  pricer: Pricer;
  bodyBytesMax: number;
  log?: (line: string) => void;
}

/**
 * POST /v1/traces: OTLP/HTTP spans of model calls made elsewhere (an app calling its provider
 * directly) are priced and charged like gateway calls. Each span is charged once, by the
 * idempotency key `otlp:<traceId>:<spanId>`: an exporter's retry or a replayed batch bills nothing
 * more. A span that cannot be billed exactly is rejected in partialSuccess, never billed as zero.
 */
export class OtlpIngest {
  constructor(private readonly deps: OtlpIngestDeps) {}

  async handle(request: GatewayRequest): Promise<GatewayReply> {
    const encoding = otlpEncoding(request.header('content-type'));
    try {
      const key = await this.deps.keys.authenticate(bearer(request));
      if (!encoding)
        throw new OtlpBadRequest(
          'Content-Type must be application/json or application/x-protobuf (OTLP/HTTP).',
          415,
        );
      const spans = decodeSpans(await this.body(request), encoding);
      const rejections: string[] = [];
      await Promise.all(
        spans.map(async (span) => {
          const verdict = spanUsage(span);
          if (verdict.kind === 'ignored') return;
          const rejected =
            verdict.kind === 'rejected' ? verdict.message : await this.bill(key, verdict.usage);
          if (rejected) rejections.push(rejected);
        }),
      );
      return this.answer(encoding, rejections);
    } catch (error) {
      return this.failure(encoding ?? 'json', error);
    }
  }

  private async body(request: GatewayRequest): Promise<Buffer> {
    const { bodyBytesMax } = this.deps;
    let raw: Buffer;
    try {
      raw = await request.readBody(bodyBytesMax);
    } catch (error) {
      if (error instanceof RequestTooLarge)
        throw new OtlpBadRequest(`The request body is larger than ${bodyBytesMax} bytes.`, 413);
      throw error;
    }
    return inflate(raw, request.header('content-encoding'), bodyBytesMax);
  }

  /** Charges one span; returns why it was rejected, or null once charged (or already charged). */
  private async bill(key: VirtualKey, usage: SpanUsage): Promise<string | null> {
    const where = `span ${usage.spanId}`;
    let attribution: Attribution;
    try {
      attribution = spanAttribution(key, usage.requested, usage.traceId);
    } catch (error) {
      if (error instanceof GatewayError) return `${where}: ${error.message}`;
      throw error;
    }
    // Priced at receipt, not at the span's own (client-chosen) time: no backdating to an old card.
    const at = Date.now();
    const card = this.deps.rateCard(usage.provider, usage.model, at);
    if (!card)
      return `${where}: model ${usage.model} (provider ${usage.provider}) has no rate card, so it cannot be billed. Add one with POST /api/v1/rate-cards.`;
    const wallet = await this.deps.wallet(key, attribution);
    if (!wallet) return `${where}: customer ${key.customerId} has no wallet to pay for calls.`;
    const cost = costOf(card, usage.tokens);
    const price = await this.deps.pricer.price({
      customerId: attribution.customerId,
      provider: usage.provider,
      model: usage.model,
      usage: usage.tokens,
      cost,
      cacheStatus: 'miss',
      valueUnit: attribution.unit,
      sessionId: attribution.sessionId,
      at,
    });
    const result = await this.deps.ledger.submit({
      command: {
        kind: 'deduct',
        walletId: wallet.id,
        amount: price,
        reason: 'otlp',
        metadata: { trace_id: usage.traceId, span_id: usage.spanId },
        owe: true,
        usageEvent: usageEvent(key, attribution, usage, wallet, cost, price, at),
      },
      idempotencyKey: `otlp:${usage.traceId}:${usage.spanId}`,
      requestHash: spanDigest(attribution, usage),
    });
    if (result.ok) return null;
    if (result.code === 'idempotency_key_reused')
      return `${where}: this trace and span id was already billed with other usage or attribution.`;
    return `${where}: ${result.message}`;
  }

  private answer(encoding: OtlpEncoding, rejections: string[]): GatewayReply {
    const partial =
      rejections.length === 0
        ? null
        : {
            rejectedSpans: rejections.length,
            errorMessage:
              rejections.slice(0, MESSAGES_MAX).join('; ') +
              (rejections.length > MESSAGES_MAX ? `; and ${rejections.length - MESSAGES_MAX} more` : ''),
          };
    if (encoding === 'protobuf')
      return {
        status: 200,
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceResponse(partial),
      };
    return jsonReply(200, partial ? { partialSuccess: partial } : {});
  }

  /** OTLP/HTTP failures: a google.rpc.Status in the request's encoding. 503 asks for a retry. */
  private failure(encoding: OtlpEncoding, error: unknown): GatewayReply {
    let status: number;
    let message: string;
    if (error instanceof GatewayError || error instanceof OtlpBadRequest) {
      status = error.status;
      message = error.message;
    } else {
      this.deps.log?.(`otlp: ${(error as Error).stack ?? error}`);
      status = 503;
      message = 'Tollgate could not bill the spans now; retry (billing is idempotent per span).';
    }
    const code = RPC_CODE[status] ?? 2;
    if (encoding === 'protobuf')
      return {
        status,
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeStatus(code, message),
      };
    return jsonReply(status, { code, message, details: [] });
  }
}

function jsonReply(status: number, value: unknown): GatewayReply {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/**
 * What a span's charge depends on, for the ledger's replay check: the same ids sent again with
 * other usage or for another customer are refused, not merged with the first charge.
 */
function spanDigest(attribution: Attribution, usage: SpanUsage): string {
  const { latencyMs: _latency, ...billed } = usage;
  return createHash('sha256').update(JSON.stringify({ attribution, billed })).digest('hex');
}

function usageEvent(
  key: VirtualKey,
  a: Attribution,
  usage: SpanUsage,
  wallet: WalletRef,
  cost: Micros,
  price: Micros,
  at: number,
): UsageEvent {
  return {
    id: newId('evt'),
    requestId: `span_${usage.spanId}`,
    customerId: a.customerId,
    teamId: a.teamId,
    userId: a.userId,
    feature: a.feature,
    sessionId: a.sessionId,
    traceId: a.traceId,
    tags: a.tags,
    keyId: key.id,
    walletId: wallet.id,
    provider: usage.provider,
    model: usage.model,
    api: 'otlp',
    valueUnit: a.unit,
    inputTokens: usage.tokens.inputTokens,
    outputTokens: usage.tokens.outputTokens,
    cachedInputTokens: usage.tokens.cachedInputTokens,
    cacheCreationInputTokens: usage.tokens.cacheCreationInputTokens,
    reasoningTokens: usage.tokens.reasoningTokens,
    estimated: false,
    cost,
    price,
    unit: wallet.unit,
    cacheStatus: 'miss',
    status: 'ok',
    latencyMs: usage.latencyMs,
    upstreamRequestId: usage.responseId,
    holdId: null,
    transactionId: null,
    createdAt: at,
  };
}
