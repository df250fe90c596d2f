import {
  BUDGET_WARNING_PERCENT,
  type customerBalanceSchema,
  type customerBudgetSchema,
  type customerEventSchema,
  type customerUsageQuery,
  type customerUsageSchema,
} from '@tollgate/contract';
import type { UsageEvent, Wallet } from '@tollgate/domain';
import { BUCKETS_MAX, bucketStarts, type UsageQuery } from '@tollgate/domain';
import { budgetStore, customerTokenStore, type Ledger, type Store } from '@tollgate/storage';
import type { z } from 'zod';
import { ApiError } from '../errors.ts';
import type { CustomerReader } from '../http/customer-auth.ts';
import { instantJson, moneyJson } from '../http/json-values.ts';
import { budgetJson } from './budgets.ts';
import { meteringData, usageRange, usageRowJson } from './usage.ts';

export type CustomerBalanceJson = z.output<typeof customerBalanceSchema>;
export type CustomerBudgetJson = z.output<typeof customerBudgetSchema>;
type CustomerUsageJson = z.output<typeof customerUsageSchema>;
type CustomerEventJson = z.output<typeof customerEventSchema>;

/** The most wallets and budgets a customer view reads: a UI shows a handful. */
const CUSTOMER_WALLETS_MAX = 100;
const CUSTOMER_BUDGETS_MAX = 500;
/** Lots expiring within this window are shown as "expiring soon". */
const EXPIRING_SOON_MS = 30 * 86_400_000;

/** A 404 only the admin key can get: a token reaches here only for its own customer. */
async function requireCustomer(store: Store, customerId: string): Promise<void> {
  if (!(await store.getCustomer(customerId)))
    throw new ApiError('customer_not_found', `No customer ${customerId}.`);
}

async function walletView(store: Store, ledger: Ledger, wallet: Wallet, nowMs: number) {
  const live = (await ledger.wallet(wallet.id)) ?? wallet;
  const soon = (await store.listLots(wallet.id))
    .filter((lot) => lot.remaining > 0n && lot.expiresAt !== null && lot.expiresAt > nowMs)
    .filter((lot) => lot.expiresAt! - nowMs <= EXPIRING_SOON_MS)
    .sort((a, b) => a.expiresAt! - b.expiresAt!);
  return {
    id: live.id,
    unit: live.unit,
    team_id: live.teamId,
    balance: moneyJson(live.balance),
    pending: moneyJson(live.pending),
    available: moneyJson(live.balance - live.pending),
    owed: moneyJson(live.owed),
    expiring_soon: soon.map((lot) => ({
      grant_id: lot.id,
      amount: moneyJson(lot.remaining),
      expires_at: instantJson(lot.expiresAt!),
    })),
  };
}

/** `GET /customers/{id}/balance`: every wallet of the customer, as of now. */
export async function customerBalance(
  store: Store,
  ledger: Ledger,
  customerId: string,
): Promise<CustomerBalanceJson> {
  await requireCustomer(store, customerId);
  const nowMs = Date.now();
  const wallets = await store.listWallets(customerId, null, CUSTOMER_WALLETS_MAX);
  return {
    object: 'customer_balance',
    customer_id: customerId,
    wallets: await Promise.all(wallets.map((w) => walletView(store, ledger, w, nowMs))),
    updated_at: instantJson(nowMs),
  };
}

function health(amount: bigint, used: bigint): CustomerBudgetJson['health'] {
  if (used >= amount) return 'exceeded';
  return used * 100n >= amount * BigInt(BUDGET_WARNING_PERCENT) ? 'warning' : 'ok';
}

/** `GET /customers/{id}/budgets`: the active budgets, flattened, with a health to colour. */
export async function customerBudgets(store: Store, customerId: string): Promise<CustomerBudgetJson[]> {
  await requireCustomer(store, customerId);
  const nowMs = Date.now();
  const active = (await budgetStore(store).activeBudgets(customerId)).slice(0, CUSTOMER_BUDGETS_MAX);
  return Promise.all(
    active.map(async (budget) => {
      const json = await budgetJson(store, budget, nowMs);
      const used = BigInt(json.usage.spent) + BigInt(json.usage.pending);
      return {
        ...json,
        spent: json.usage.spent,
        pending: json.usage.pending,
        remaining: json.usage.remaining,
        period_key: json.usage.period_key,
        resets_at: json.usage.resets_at,
        health: health(budget.amount, used),
      };
    }),
  );
}

type UsageInput = z.output<typeof customerUsageQuery>;

/** The customer (and, for a user token, the user) are forced: a query can narrow, never widen. */
function usageQuery(input: UsageInput, customerId: string, reader: CustomerReader): UsageQuery {
  const { fromMs, toMs } = usageRange(input, Date.now());
  const granularity = input.granularity ?? null;
  if (granularity && bucketStarts(fromMs, toMs, granularity, input.tz) === null)
    throw new ApiError(
      'parameter_invalid',
      `granularity gives more than ${BUCKETS_MAX} buckets over that range; pick a coarser one or a shorter range`,
      'granularity',
    );
  const userId = reader.kind === 'customer' && reader.userId !== null ? reader.userId : input.user_id;
  if (
    reader.kind === 'customer' &&
    reader.userId !== null &&
    input.user_id !== undefined &&
    input.user_id !== userId
  )
    throw new ApiError('forbidden', 'This token reads its own user only; drop user_id.');
  const filters = {
    customer: customerId,
    team: input.team_id,
    user: userId,
    feature: input.feature,
    model: input.model,
  };
  return {
    fromMs,
    toMs,
    granularity,
    timeZone: input.tz,
    groupBy: input.group_by ?? [],
    filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    orderBy: input.order_by,
    groupsMax: input.limit,
  };
}

/** `GET /customers/{id}/usage`: the admin usage rows, without the vendor's cost for a customer token. */
export async function customerUsage(
  store: Store,
  customerId: string,
  input: UsageInput,
  reader: CustomerReader,
): Promise<CustomerUsageJson> {
  await requireCustomer(store, customerId);
  const query = usageQuery(input, customerId, reader);
  const result = await meteringData(store).query(query);
  const data = result.rows.map((row) => {
    const json: CustomerUsageJson['data'][number] = usageRowJson(row, query);
    if (reader.kind === 'customer') {
      delete json.cost;
      delete json.margin;
      delete json.cache_savings;
    }
    return json;
  });
  return {
    object: 'usage',
    customer_id: customerId,
    from: instantJson(query.fromMs),
    to: instantJson(query.toMs),
    granularity: query.granularity,
    tz: query.timeZone,
    group_by: query.groupBy,
    data,
    truncated: result.truncated,
  };
}

function eventJson(event: UsageEvent, reader: CustomerReader): CustomerEventJson {
  const json: CustomerEventJson = {
    id: event.id,
    object: 'usage_event',
    request_id: event.requestId,
    team_id: event.teamId,
    user_id: event.userId,
    feature: event.feature,
    session_id: event.sessionId,
    provider: event.provider,
    model: event.model,
    input_tokens: event.inputTokens,
    output_tokens: event.outputTokens,
    cached_input_tokens: event.cachedInputTokens,
    reasoning_tokens: event.reasoningTokens,
    price: moneyJson(event.price),
    unit: event.unit,
    cache_status: event.cacheStatus,
    status: event.status,
    created_at: instantJson(event.createdAt),
  };
  if (reader.kind === 'admin') json.cost = moneyJson(event.cost);
  return json;
}

/** `GET /customers/{id}/events`: the latest metered calls, newest first. */
export async function customerEvents(
  store: Store,
  customerId: string,
  limit: number,
  reader: CustomerReader,
): Promise<CustomerEventJson[]> {
  await requireCustomer(store, customerId);
  const userId = reader.kind === 'customer' ? reader.userId : null;
  const events = await customerTokenStore(store).recentUsageEvents(customerId, userId, limit);
  return events.map((event) => eventJson(event, reader));
}
