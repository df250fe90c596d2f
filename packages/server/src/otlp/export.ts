import { type Attributes, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { UsageEvent } from '@tollgate/domain';
import type { CallContext } from '../gateway/billing.ts';
import { BILLED_ATTRIBUTE } from './span-usage.ts';

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

export interface CallExporter {
  /** Queues the call's span; the batch goes out later, off the call's path. */
  onSettled(call: CallContext, event: UsageEvent): void;
  /** Sends what is queued and stops. */
  close(): Promise<void>;
}

/** Where to export, from TOLLGATE_OTLP_ENDPOINT (a base or /v1/traces URL) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
export function exportEndpoint(env: NodeJS.ProcessEnv): string | null {
  const base = env.TOLLGATE_OTLP_ENDPOINT?.trim();
  if (base) return base.endsWith('/v1/traces') ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || null;
}

/** `k=v,k2=v2` with URL-encoded values, as OTEL_EXPORTER_OTLP_HEADERS writes them. */
export function exportHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

/** gen_ai.operation.name of a gateway API. */
function operation(api: string): string {
  return api === 'embeddings' ? 'embeddings' : 'chat';
}

/** The span of one settled call, by the OpenTelemetry GenAI conventions plus tollgate.*. */
export function callAttributes(call: CallContext, event: UsageEvent): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': operation(event.api),
    'gen_ai.provider.name': event.provider,
    'gen_ai.system': event.provider,
    'gen_ai.request.model': event.model,
    'gen_ai.usage.input_tokens': event.inputTokens,
    'gen_ai.usage.output_tokens': event.outputTokens,
    'tollgate.request_id': event.requestId,
    'tollgate.customer': event.customerId,
    'tollgate.key_id': call.key.id,
    'tollgate.wallet_id': event.walletId,
    // Micros stay below 2^53 (the ledger asserts it), so a number carries them exactly.
    'tollgate.cost_micros': Number(event.cost),
    'tollgate.price_micros': Number(event.price),
    'tollgate.currency': event.unit,
    'tollgate.cache': event.cacheStatus,
    'tollgate.status': event.status,
    'tollgate.estimated': event.estimated,
    [BILLED_ATTRIBUTE]: true,
  };
  const optional: [string, string | number | null][] = [
    ['gen_ai.usage.cache_read.input_tokens', event.cachedInputTokens || null],
    ['gen_ai.usage.cache_creation.input_tokens', event.cacheCreationInputTokens || null],
    ['gen_ai.usage.reasoning.output_tokens', event.reasoningTokens || null],
    ['tollgate.team', event.teamId],
    ['tollgate.user', event.userId],
    ['tollgate.feature', event.feature],
    ['tollgate.session', event.sessionId],
    ['tollgate.unit', event.valueUnit],
    ['tollgate.upstream_request_id', event.upstreamRequestId],
  ];
  for (const [name, value] of optional) if (value !== null) attributes[name] = value;
  for (const [name, value] of Object.entries(event.tags ?? {})) attributes[`tollgate.tags.${name}`] = value;
  return attributes;
}

/** The caller's trace as the span's remote parent, so the call shows up inside the app's trace. */
function parentContext(traceparent: string | null | undefined) {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16),
    isRemote: true,
  });
}

/**
 * One span per gateway call to an OTLP/HTTP endpoint, through the official SDK: spans are queued
 * by a BatchSpanProcessor and sent in batches, so a call never waits on the collector. Null when
 * no endpoint is configured.
 */
export function callExporter(env: NodeJS.ProcessEnv, log?: (line: string) => void): CallExporter | null {
  const url = exportEndpoint(env);
  if (!url) return null;
  const headers = exportHeaders(
    env.TOLLGATE_OTLP_HEADERS ?? env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS,
  );
  // How long spans gather before a batch goes (the SDK's default, 5 s, when unset).
  const delayMs = Number(env.TOLLGATE_OTLP_EXPORT_DELAY_MS ?? 0);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'tollgate' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url, headers }), {
        ...(delayMs > 0 ? { scheduledDelayMillis: delayMs } : {}),
      }),
    ],
  });
  const tracer = provider.getTracer('tollgate');
  return {
    onSettled(call, event) {
      try {
        const endMs = event.createdAt;
        const span = tracer.startSpan(
          `${operation(event.api)} ${event.model}`,
          {
            kind: SpanKind.CLIENT,
            startTime: endMs - event.latencyMs,
            attributes: callAttributes(call, event),
          },
          parentContext(call.attribution.traceparent),
        );
        if (event.status !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: event.status });
        span.end(endMs);
      } catch (error) {
        // Telemetry must never fail a call that was already charged.
        log?.(`otlp export: ${(error as Error).message}`);
      }
    },
    close: () => provider.shutdown(),
  };
}
