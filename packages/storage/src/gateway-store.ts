import type { Micros, RateCard, UsageEvent } from '@tollgate/domain';

export interface VirtualKeyRow {
  id: string;
  digest: string;
  prefix: string;
  name: string | null;
  customerId: string;
  teamId: string | null;
  userId: string | null;
  feature: string | null;
  models: string[] | null;
  walletId: string | null;
  endStreamOnHoldExhausted: boolean;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  /** This key's own rate limits (absent or null: none); see server/src/limits. */
  requestsPerMinute?: number | null;
  tokensPerMinute?: number | null;
}

export interface ProviderRow {
  id: string;
  kind: string;
  baseUrl: string;
  /** AES-256-GCM ciphertext of the provider's API key (see server/src/secrets.ts), or null. */
  apiKeyCiphertext: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface RateCardRow extends RateCard {
  id: string;
  createdAt: number;
}

export interface UsageEventFilter {
  customerId?: string;
  requestId?: string;
  sessionId?: string;
  afterSeq?: bigint;
  limit: number;
}

/** What the gateway keeps besides the ledger: keys, providers, rate cards, usage events. */
export interface GatewayStore {
  createKey(key: VirtualKeyRow): Promise<void>;
  keyByDigest(digest: string): Promise<VirtualKeyRow | undefined>;
  getKey(id: string): Promise<VirtualKeyRow | undefined>;
  listKeys(customerId: string | null, afterId: string | null, limit: number): Promise<VirtualKeyRow[]>;
  revokeKey(id: string, now: number): Promise<VirtualKeyRow | undefined>;

  upsertProvider(provider: ProviderRow): Promise<void>;
  listProviders(): Promise<ProviderRow[]>;
  deleteProvider(id: string): Promise<boolean>;

  addRateCard(card: RateCardRow): Promise<void>;
  listRateCards(): Promise<RateCardRow[]>;
  /** Changes whenever a rate card is added: instances poll it to reload within seconds. */
  rateCardsVersion(): Promise<string>;

  /** The wallet that pays for a customer's calls in `unit`: the team's own if it has one. */
  walletFor(
    customerId: string,
    teamId: string | null,
    unit: string,
  ): Promise<{ id: string; unit: string } | undefined>;
  listUsageEvents(filter: UsageEventFilter): Promise<{ data: UsageEvent[]; nextSeq: bigint | null }>;
  /** Which of these usage event ids are recorded (a settlement whose commit went unanswered). */
  existingUsageEvents(ids: readonly string[]): Promise<Set<string>>;
  /** The open holds that gateway instances took as leases (`metadata.lease` = the instance). */
  openLeases(owners: readonly string[]): Promise<string[]>;
}

/** A lease's hold metadata, exactly as stored (the lookup compares the text). */
export function leaseMetadata(owner: string): { lease: string } {
  return { lease: owner };
}

export const USAGE_EVENT_COLUMNS = [
  'id',
  'request_id',
  'customer_id',
  'team_id',
  'user_id',
  'feature',
  'session_id',
  'trace_id',
  'tags',
  'key_id',
  'wallet_id',
  'provider',
  'model',
  'api',
  'value_unit',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_creation_input_tokens',
  'reasoning_tokens',
  'estimated',
  'cost',
  'price',
  'unit',
  'cache_status',
  'status',
  'latency_ms',
  'upstream_request_id',
  'hold_id',
  'transaction_id',
  'created_at',
] as const;

export const usageEventValues = (e: UsageEvent): unknown[] => [
  e.id,
  e.requestId,
  e.customerId,
  e.teamId,
  e.userId,
  e.feature,
  e.sessionId,
  e.traceId,
  e.tags === null ? null : JSON.stringify(e.tags),
  e.keyId,
  e.walletId,
  e.provider,
  e.model,
  e.api,
  e.valueUnit,
  e.inputTokens,
  e.outputTokens,
  e.cachedInputTokens,
  e.cacheCreationInputTokens,
  e.reasoningTokens,
  e.estimated ? 1 : 0,
  e.cost,
  e.price,
  e.unit,
  e.cacheStatus,
  e.status,
  e.latencyMs,
  e.upstreamRequestId,
  e.holdId,
  e.transactionId,
  e.createdAt,
];

export type { Micros };
