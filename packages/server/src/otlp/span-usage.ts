import type { TokenCounts } from '@tollgate/domain';
import type { OtlpSpan, OtlpValue } from './decode.ts';

/** A token count above this is a broken span, not a call (no context window is near it). */
export const SPAN_TOKENS_MAX = 1_000_000_000;

/**
 * Marks the spans Tollgate exports for the calls it already billed (export.ts): ingesting one back
 * (an endpoint pointed at Tollgate itself) must not bill the call twice.
 */
export const BILLED_ATTRIBUTE = 'tollgate.billed';

/**
 * gen_ai.provider.name (and the older gen_ai.system) values → the provider ids of Tollgate's rate
 * cards. Values not listed are used as they are, so a card added for `vllm` prices `vllm` spans.
 */
const PROVIDERS: Readonly<Record<string, string>> = {
  'azure.ai.openai': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.inference': 'azure',
  // Gemini's API and Vertex AI list the same prices for the same models.
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  gemini: 'google',
  vertex_ai: 'google',
  'aws.bedrock': 'bedrock',
  mistral_ai: 'mistral',
  x_ai: 'xai',
  'ibm.watsonx.ai': 'watsonx',
};

/** What a span asks to be attributed to (`tollgate.*` on the span, else on its resource). */
export interface RequestedAttribution {
  user: string | null;
  team: string | null;
  feature: string | null;
  session: string | null;
  unit: string | null;
  tags: Record<string, string> | null;
}

export interface SpanUsage {
  traceId: string;
  spanId: string;
  provider: string;
  model: string;
  tokens: TokenCounts;
  requested: RequestedAttribution;
  latencyMs: number;
  /** gen_ai.response.id: the provider's id of the call. */
  responseId: string | null;
}

export type SpanVerdict =
  | { kind: 'ignored' }
  | { kind: 'rejected'; message: string }
  | { kind: 'usage'; usage: SpanUsage };

const HEX_TRACE_ID = /^[\da-f]{32}$/;
const HEX_SPAN_ID = /^[\da-f]{16}$/;

function text(span: OtlpSpan, name: string): string | null {
  const value = span.attributes.get(name) ?? span.resource.get(name);
  if (value === undefined) return null;
  const s = String(value).trim();
  return s.length > 0 ? s : null;
}

/** A token count: absent → undefined; anything but a whole number in range → an error message. */
function tokenCount(span: OtlpSpan, name: string): number | undefined | string {
  const value: OtlpValue | undefined = span.attributes.get(name);
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > SPAN_TOKENS_MAX)
    return `${name} must be a whole number of tokens from 0 to ${SPAN_TOKENS_MAX}`;
  return n;
}

function tags(span: OtlpSpan): Record<string, string> | null {
  const found: Record<string, string> = {};
  // Resource tags first, so that the span's own win.
  for (const map of [span.resource, span.attributes]) {
    for (const [key, value] of map) {
      if (key.startsWith('tollgate.tags.') && key.length > 'tollgate.tags.'.length)
        found[key.slice('tollgate.tags.'.length)] = String(value);
    }
  }
  const names = Object.keys(found).sort();
  // Sorted, so that a replay digests the same whatever order its exporter wrote them in.
  return names.length > 0 ? Object.fromEntries(names.map((name) => [name, found[name]!])) : null;
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/**
 * What a span says was used, by the OpenTelemetry GenAI conventions. A span with no
 * gen_ai.usage.* is no model call (an HTTP span, a tool call): ignored. One that reports usage
 * but cannot be billed exactly is rejected, never billed as zero.
 */
export function spanUsage(span: OtlpSpan): SpanVerdict {
  if (span.attributes.get(BILLED_ATTRIBUTE) === true) return { kind: 'ignored' };
  const input = tokenCount(span, 'gen_ai.usage.input_tokens');
  const output = tokenCount(span, 'gen_ai.usage.output_tokens');
  if (input === undefined && output === undefined) return { kind: 'ignored' };
  const where = `span ${span.spanId || '(no id)'}`;
  const reject = (why: string): SpanVerdict => ({ kind: 'rejected', message: `${where}: ${why}` });
  if (!HEX_TRACE_ID.test(span.traceId) || /^0+$/.test(span.traceId))
    return reject('traceId must be 16 bytes (32 hex characters), not all zero');
  if (!HEX_SPAN_ID.test(span.spanId) || /^0+$/.test(span.spanId))
    return reject('spanId must be 8 bytes (16 hex characters), not all zero');
  const system = text(span, 'gen_ai.provider.name') ?? text(span, 'gen_ai.system');
  if (!system) return reject('gen_ai.provider.name (or gen_ai.system) is required to price the call');
  const model = text(span, 'gen_ai.response.model') ?? text(span, 'gen_ai.request.model');
  if (!model) return reject('gen_ai.request.model (or gen_ai.response.model) is required to price the call');
  const operation = text(span, 'gen_ai.operation.name');
  const counts = {
    input,
    // Embeddings produce no output tokens; any other call that does not say is not billed as zero.
    output: output ?? (operation === 'embeddings' ? 0 : undefined),
    cached: tokenCount(span, 'gen_ai.usage.cache_read.input_tokens') ?? 0,
    cacheWrite: tokenCount(span, 'gen_ai.usage.cache_creation.input_tokens') ?? 0,
    reasoning:
      tokenCount(span, 'gen_ai.usage.reasoning.output_tokens') ??
      tokenCount(span, 'gen_ai.usage.reasoning_tokens') ??
      0,
  };
  for (const value of Object.values(counts)) if (typeof value === 'string') return reject(value);
  if (counts.input === undefined) return reject('gen_ai.usage.input_tokens is missing');
  if (counts.output === undefined) return reject('gen_ai.usage.output_tokens is missing');
  const {
    input: inputTokens,
    output: outputTokens,
    cached,
    cacheWrite,
    reasoning,
  } = counts as Record<keyof typeof counts, number>;
  // The conventions count cached tokens inside input_tokens (as Tollgate does): parts, not additions.
  if (cached + cacheWrite > inputTokens)
    return reject(
      'gen_ai.usage.cache_read.input_tokens + cache_creation.input_tokens exceed gen_ai.usage.input_tokens, which must include them',
    );
  if (reasoning > outputTokens)
    return reject(
      'gen_ai.usage.reasoning.output_tokens exceeds gen_ai.usage.output_tokens, which must include it',
    );
  const latencyMs = span.endTimeNs > span.startTimeNs ? nsToMs(span.endTimeNs - span.startTimeNs) : 0;
  return {
    kind: 'usage',
    usage: {
      traceId: span.traceId,
      spanId: span.spanId,
      provider: PROVIDERS[system.toLowerCase()] ?? system.toLowerCase(),
      model,
      tokens: {
        inputTokens,
        outputTokens,
        cachedInputTokens: cached,
        cacheCreationInputTokens: cacheWrite,
        reasoningTokens: reasoning,
      },
      requested: {
        user: text(span, 'tollgate.user'),
        team: text(span, 'tollgate.team'),
        feature: text(span, 'tollgate.feature'),
        session: text(span, 'tollgate.session'),
        unit: text(span, 'tollgate.unit'),
        tags: tags(span),
      },
      latencyMs,
      responseId: text(span, 'gen_ai.response.id'),
    },
  };
}
