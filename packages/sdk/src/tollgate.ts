import { type FetchLike, type HttpOptions, type QueryValues, request, segment } from './http.ts';
import type {
  Budget,
  BudgetScope,
  Customer,
  CustomerBalance,
  CustomerBudget,
  CustomerEvent,
  CustomerToken,
  Grant,
  Hold,
  List,
  MoneyInput,
  PageQuery,
  Transaction,
  Usage,
  UsageQuery,
  VirtualKey,
  Wallet,
} from './types.ts';

export interface TollgateOptions {
  /** Where Tollgate runs, e.g. `http://localhost:8484` (with or without `/api/v1`). */
  baseUrl: string;
  /** TOLLGATE_ADMIN_KEY. Server-side only: never ship it to a browser; mint a customer token instead. */
  adminKey: string;
  fetch?: FetchLike;
}

/** Money moves once per key: a replay with the same key answers the first result. */
export interface MoneyOptions {
  /** Generated (a random UUID) when absent; pass your own to retry safely across processes. */
  idempotencyKey?: string;
}

const newKey = (given: string | undefined): string => given ?? globalThis.crypto.randomUUID();
const q = (value: object | undefined): QueryValues | undefined => value as QueryValues | undefined;

/**
 * The admin API client, for the vendor's backend. Bodies and answers are the API's own JSON
 * (snake_case, money in integer micros), so the OpenAPI document at /api/v1/openapi.json applies as is.
 *
 * @example
 * const tollgate = new Tollgate({ baseUrl: 'http://localhost:8484', adminKey: process.env.TOLLGATE_ADMIN_KEY! });
 * const wallet = await tollgate.wallets.create({ customer_id: 'acme', unit: 'usd' });
 * await tollgate.grants.create(wallet.id, { amount: 10_000_000 });
 * const { token } = await tollgate.customerTokens.create({ customerId: 'acme', ttlS: 900 });
 */
export class Tollgate {
  private readonly http: HttpOptions;

  constructor(options: TollgateOptions) {
    if (!options.adminKey) throw new TypeError('Tollgate: adminKey is required (TOLLGATE_ADMIN_KEY).');
    this.http = { baseUrl: options.baseUrl, bearer: options.adminKey, fetch: options.fetch };
  }

  private call<T>(method: string, path: string, options?: Parameters<typeof request>[3]): Promise<T> {
    return request<T>(this.http, method, path, options);
  }

  readonly customers = {
    create: (body: { id: string; name?: string; metadata?: Record<string, string> }) =>
      this.call<Customer>('POST', '/customers', { body }),
    get: (id: string) => this.call<Customer>('GET', `/customers/${segment(id)}`),
    list: (query?: PageQuery) => this.call<List<Customer>>('GET', '/customers', { query: q(query) }),
    balance: (id: string) => this.call<CustomerBalance>('GET', `/customers/${segment(id)}/balance`),
    usage: (id: string, query?: UsageQuery) =>
      this.call<Usage>('GET', `/customers/${segment(id)}/usage`, { query: q(query) }),
    budgets: (id: string) => this.call<List<CustomerBudget>>('GET', `/customers/${segment(id)}/budgets`),
    events: (id: string, query?: { limit?: number }) =>
      this.call<List<CustomerEvent>>('GET', `/customers/${segment(id)}/events`, { query: q(query) }),
  };

  readonly wallets = {
    create: (body: { customer_id: string; unit: string; team_id?: string; overdraft_limit?: MoneyInput }) =>
      this.call<Wallet>('POST', '/wallets', { body }),
    get: (id: string) => this.call<Wallet>('GET', `/wallets/${segment(id)}`),
    list: (query?: PageQuery & { customer_id?: string }) =>
      this.call<List<Wallet>>('GET', '/wallets', { query: q(query) }),
    update: (
      id: string,
      body: {
        status?: 'active' | 'frozen';
        overdraft_limit?: MoneyInput;
        capture_policy?: Wallet['capture_policy'];
      },
    ) => this.call<Wallet>('PATCH', `/wallets/${segment(id)}`, { body }),
    deduct: (
      id: string,
      body: { amount: MoneyInput; reason?: string; unit?: string },
      options: MoneyOptions = {},
    ) =>
      this.call<Transaction & { wallet: Wallet }>('POST', `/wallets/${segment(id)}/deductions`, {
        body,
        idempotencyKey: newKey(options.idempotencyKey),
      }),
  };

  readonly grants = {
    create: (
      walletId: string,
      body: {
        amount: MoneyInput;
        source?: 'purchase' | 'promo' | 'rollover' | 'adjustment';
        expires_at?: string;
        priority?: number;
        reason?: string;
        metadata?: Record<string, string>;
      },
      options: MoneyOptions = {},
    ) =>
      this.call<Grant & { wallet: Wallet }>('POST', `/wallets/${segment(walletId)}/grants`, {
        body,
        idempotencyKey: newKey(options.idempotencyKey),
      }),
    list: (walletId: string) => this.call<List<Grant>>('GET', `/wallets/${segment(walletId)}/grants`),
  };

  readonly holds = {
    create: (
      walletId: string,
      body: {
        amount: MoneyInput;
        ttl_ms?: number;
        capture_policy?: Hold['capture_policy'];
        metadata?: Record<string, string>;
      },
      options: MoneyOptions = {},
    ) =>
      this.call<Hold & { wallet: Wallet }>('POST', `/wallets/${segment(walletId)}/holds`, {
        body,
        idempotencyKey: newKey(options.idempotencyKey),
      }),
    get: (id: string) => this.call<Hold>('GET', `/holds/${segment(id)}`),
    capture: (id: string, body: { amount?: MoneyInput; reason?: string } = {}, options: MoneyOptions = {}) =>
      this.call<Hold & { transactions: Transaction[]; wallet: Wallet }>(
        'POST',
        `/holds/${segment(id)}/capture`,
        {
          body,
          idempotencyKey: newKey(options.idempotencyKey),
        },
      ),
    release: (id: string, options: MoneyOptions = {}) =>
      this.call<Hold & { wallet: Wallet }>('POST', `/holds/${segment(id)}/release`, {
        body: {},
        idempotencyKey: newKey(options.idempotencyKey),
      }),
  };

  readonly keys = {
    create: (body: {
      customer_id: string;
      team_id?: string;
      user_id?: string;
      feature?: string;
      models?: string[];
      wallet_id?: string;
      name?: string;
      expires_at?: string;
    }) => this.call<VirtualKey & { key: string }>('POST', '/keys', { body }),
    get: (id: string) => this.call<VirtualKey>('GET', `/keys/${segment(id)}`),
    list: (query?: PageQuery & { customer_id?: string }) =>
      this.call<List<VirtualKey>>('GET', '/keys', { query: q(query) }),
    revoke: (id: string) => this.call<VirtualKey>('POST', `/keys/${segment(id)}/revoke`, { body: {} }),
  };

  readonly usage = {
    query: (
      query?: UsageQuery & { customer_id?: string; order_by?: 'price' | 'cost' | 'margin' | 'requests' },
    ) => this.call<Usage>('GET', '/usage', { query: q(query) }),
  };

  readonly budgets = {
    create: (body: {
      scope: BudgetScope;
      period: Budget['period'];
      amount: MoneyInput;
      mode: Budget['mode'];
      timezone?: string;
    }) => this.call<Budget>('POST', '/budgets', { body }),
    get: (id: string) => this.call<Budget>('GET', `/budgets/${segment(id)}`),
    list: (query?: PageQuery & { customer_id?: string }) =>
      this.call<List<Budget>>('GET', '/budgets', { query: q(query) }),
    archive: (id: string) => this.call<Budget>('DELETE', `/budgets/${segment(id)}`),
  };

  readonly customerTokens = {
    /** A short-lived read-only token for one customer (and optionally one user) to hand to a browser. */
    create: (input: { customerId: string; userId?: string; ttlS?: number }) =>
      this.call<CustomerToken>('POST', '/customer-tokens', {
        body: { customer_id: input.customerId, user_id: input.userId, ttl_s: input.ttlS },
      }),
    /** New tokens get signed by a new key; tokens already out stay valid until they expire. */
    rotateKeys: () =>
      this.call<{ object: 'customer_token_key'; kid: string; algorithm: string; created_at: string }>(
        'POST',
        '/customer-token-keys/rotate',
        { body: {} },
      ),
    jwks: () => this.call<{ keys: Record<string, unknown>[] }>('GET', '/customer-token-keys/jwks.json'),
  };
}
