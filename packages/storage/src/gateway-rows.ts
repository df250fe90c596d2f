import type { RateTier, UsageEvent } from '@tollgate/domain';
import type { ProviderRow, RateCardRow, VirtualKeyRow } from './gateway-store.ts';
import { big, json, num, numOrNull, type Row, strOrNull } from './rows.ts';

const bigOrNull = (value: unknown): bigint | null =>
  value === null || value === undefined ? null : big(value);

export const toKey = (r: Row): VirtualKeyRow => ({
  id: String(r.id),
  digest: String(r.digest),
  prefix: String(r.prefix),
  name: strOrNull(r.name),
  customerId: String(r.customer_id),
  teamId: strOrNull(r.team_id),
  userId: strOrNull(r.user_id),
  feature: strOrNull(r.feature),
  models: r.models === null || r.models === undefined ? null : (JSON.parse(String(r.models)) as string[]),
  walletId: strOrNull(r.wallet_id),
  endStreamOnHoldExhausted: num(r.end_stream_on_hold_exhausted) === 1,
  expiresAt: numOrNull(r.expires_at),
  revokedAt: numOrNull(r.revoked_at),
  createdAt: num(r.created_at),
  requestsPerMinute: numOrNull(r.requests_per_minute),
  tokensPerMinute: numOrNull(r.tokens_per_minute),
});

export const keyValues = (k: VirtualKeyRow): unknown[] => [
  k.id,
  k.digest,
  k.prefix,
  k.name,
  k.customerId,
  k.teamId,
  k.userId,
  k.feature,
  k.models === null ? null : JSON.stringify(k.models),
  k.walletId,
  k.endStreamOnHoldExhausted ? 1 : 0,
  k.expiresAt,
  k.revokedAt,
  k.createdAt,
  k.requestsPerMinute ?? null,
  k.tokensPerMinute ?? null,
];
export const KEY_COLUMNS = [
  'id',
  'digest',
  'prefix',
  'name',
  'customer_id',
  'team_id',
  'user_id',
  'feature',
  'models',
  'wallet_id',
  'end_stream_on_hold_exhausted',
  'expires_at',
  'revoked_at',
  'created_at',
  'requests_per_minute',
  'tokens_per_minute',
] as const;

export const toProvider = (r: Row): ProviderRow => ({
  id: String(r.id),
  kind: String(r.kind),
  baseUrl: String(r.base_url),
  apiKeyCiphertext: strOrNull(r.api_key_ciphertext),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toRateCard = (r: Row): RateCardRow => ({
  id: String(r.id),
  provider: String(r.provider),
  model: String(r.model),
  effectiveFrom: num(r.effective_from),
  input: big(r.input),
  output: big(r.output),
  cachedInput: bigOrNull(r.cached_input),
  cacheWrite: bigOrNull(r.cache_write),
  reasoning: bigOrNull(r.reasoning),
  perRequest: big(r.per_request),
  cacheWrite1h: bigOrNull(r.cache_write_1h),
  perImage: big(r.per_image ?? 0),
  tiers: toTiers(r.tiers),
  createdAt: num(r.created_at),
});

/** Tiers are stored as JSON with rates as decimal strings: JSON numbers would not carry bigints. */
interface TierJson {
  above_input_tokens: number;
  input: string;
  output: string;
  cached_input: string | null;
  cache_write: string | null;
  cache_write_1h: string | null;
  reasoning: string | null;
}

const bigOrNullText = (value: string | null | undefined): bigint | null =>
  value === null || value === undefined ? null : BigInt(value);
const textOrNull = (value: bigint | null | undefined): string | null =>
  value === null || value === undefined ? null : value.toString();

function toTiers(value: unknown): RateTier[] {
  if (value === null || value === undefined) return [];
  return (JSON.parse(String(value)) as TierJson[]).map((t) => ({
    aboveInputTokens: t.above_input_tokens,
    input: BigInt(t.input),
    output: BigInt(t.output),
    cachedInput: bigOrNullText(t.cached_input),
    cacheWrite: bigOrNullText(t.cache_write),
    cacheWrite1h: bigOrNullText(t.cache_write_1h),
    reasoning: bigOrNullText(t.reasoning),
  }));
}

function tiersText(tiers: readonly RateTier[] | undefined): string | null {
  if (!tiers || tiers.length === 0) return null;
  return JSON.stringify(
    tiers.map(
      (t): TierJson => ({
        above_input_tokens: t.aboveInputTokens,
        input: t.input.toString(),
        output: t.output.toString(),
        cached_input: textOrNull(t.cachedInput),
        cache_write: textOrNull(t.cacheWrite),
        cache_write_1h: textOrNull(t.cacheWrite1h),
        reasoning: textOrNull(t.reasoning),
      }),
    ),
  );
}

export const RATE_CARD_COLUMNS = [
  'id',
  'provider',
  'model',
  'effective_from',
  'input',
  'output',
  'cached_input',
  'cache_write',
  'reasoning',
  'per_request',
  'created_at',
  'cache_write_1h',
  'per_image',
  'tiers',
] as const;
export const rateCardValues = (c: RateCardRow): unknown[] => [
  c.id,
  c.provider,
  c.model,
  c.effectiveFrom,
  c.input,
  c.output,
  c.cachedInput,
  c.cacheWrite,
  c.reasoning,
  c.perRequest,
  c.createdAt,
  c.cacheWrite1h ?? null,
  c.perImage ?? 0n,
  tiersText(c.tiers),
];

export const toUsageEvent = (r: Row): UsageEvent => ({
  id: String(r.id),
  requestId: String(r.request_id),
  customerId: String(r.customer_id),
  teamId: strOrNull(r.team_id),
  userId: strOrNull(r.user_id),
  feature: strOrNull(r.feature),
  sessionId: strOrNull(r.session_id),
  traceId: strOrNull(r.trace_id),
  tags: json(r.tags),
  keyId: strOrNull(r.key_id),
  walletId: String(r.wallet_id),
  provider: String(r.provider),
  model: String(r.model),
  api: String(r.api),
  valueUnit: strOrNull(r.value_unit),
  inputTokens: num(r.input_tokens),
  outputTokens: num(r.output_tokens),
  cachedInputTokens: num(r.cached_input_tokens),
  cacheCreationInputTokens: num(r.cache_creation_input_tokens),
  reasoningTokens: num(r.reasoning_tokens),
  estimated: num(r.estimated) === 1,
  cost: big(r.cost),
  price: big(r.price),
  unit: String(r.unit),
  cacheStatus: r.cache_status as UsageEvent['cacheStatus'],
  status: r.status as UsageEvent['status'],
  latencyMs: num(r.latency_ms),
  upstreamRequestId: strOrNull(r.upstream_request_id),
  holdId: strOrNull(r.hold_id),
  transactionId: strOrNull(r.transaction_id),
  createdAt: num(r.created_at),
});
