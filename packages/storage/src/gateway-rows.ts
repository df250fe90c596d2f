import type { UsageEvent } from '@tollgate/domain';
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
  createdAt: num(r.created_at),
});

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
