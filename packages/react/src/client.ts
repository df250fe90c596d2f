import { errorFromResponse, type TollgateError, toTollgateError } from './errors.ts';
import { customerIdFromToken } from './token.ts';
import type { BalanceResponse, Budget, UsageEvent, UsageQuery, UsageRow } from './types.ts';

/** What the live stream tells its listeners. */
export type StreamMessage =
  | { type: 'snapshot'; balance: BalanceResponse; budgets: Budget[] }
  | { type: 'balance'; balance: BalanceResponse }
  | { type: 'budget'; budgets: Budget[] }
  | { type: 'error'; error: TollgateError };

/** Options of {@link createCustomerClient}. */
export interface CustomerClientOptions {
  /** A customer token minted by the vendor's backend (`POST /api/v1/customer-tokens`). */
  token: string;
  /** Where Tollgate answers, e.g. `https://billing.example.com`. */
  baseUrl: string;
  /** Defaults to the token's `sub` claim. */
  customerId?: string;
  /** Injected in tests and non-browser hosts; defaults to the global one. */
  fetch?: typeof fetch;
  /** Injected in tests; defaults to the global one. */
  EventSource?: typeof EventSource;
}

/** The customer-facing reads of docs/customer-api.md. */
export interface CustomerClient {
  readonly customerId: string;
  balance(signal?: AbortSignal): Promise<BalanceResponse>;
  usage(query: UsageQuery, signal?: AbortSignal): Promise<UsageRow[]>;
  budgets(signal?: AbortSignal): Promise<Budget[]>;
  events(limit?: number, signal?: AbortSignal): Promise<UsageEvent[]>;
  /** Listens to the live stream; the first listener opens it, the last one to leave closes it. */
  subscribe(listener: (message: StreamMessage) => void): () => void;
}

/** Delay before reopening a stream the browser gave up on; doubles up to the max. */
const RECONNECT_DELAY_MS = 1_000;
const RECONNECT_DELAY_MS_MAX = 30_000;

/**
 * A tiny fetch + EventSource client for the customer API. One instance shares one stream between
 * every listener, so a page full of components holds a single connection.
 *
 * @example
 * ```ts
 * const client = createCustomerClient({ token, baseUrl: 'https://billing.example.com' });
 * const { wallets } = await client.balance();
 * const stop = client.subscribe((m) => m.type === 'balance' && render(m.balance));
 * ```
 */
export function createCustomerClient(options: CustomerClientOptions): CustomerClient {
  const customerId = options.customerId ?? customerIdFromToken(options.token);
  if (!customerId) {
    throw new Error(
      'Tollgate: the token has no customer id (`sub` claim). Pass a customer token minted with ' +
        'POST /api/v1/customer-tokens, or set the `customerId` prop.',
    );
  }
  const root = `${options.baseUrl.replace(/\/+$/, '')}/api/v1/customers/${encodeURIComponent(customerId)}`;

  async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const doFetch = options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await doFetch(`${root}${path}`, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
        signal,
      });
    } catch (error) {
      throw toTollgateError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  const stream = createSharedStream(
    `${root}/stream?token=${encodeURIComponent(options.token)}`,
    options,
    () => get<BalanceResponse>('/balance'),
  );

  return {
    customerId,
    balance: (signal) => get<BalanceResponse>('/balance', signal),
    async usage(query, signal) {
      const params = new URLSearchParams({ from: query.from, to: query.to });
      if (query.granularity) params.set('granularity', query.granularity);
      if (query.groupBy) params.set('group_by', query.groupBy);
      params.set('tz', query.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
      const rows = (await get<{ data: WireUsageRow[] }>(`/usage?${params}`, signal)).data;
      return rows.map(groupName);
    },
    budgets: async (signal) => (await get<{ data: Budget[] }>('/budgets', signal)).data,
    async events(limit = 50, signal) {
      return (await get<{ data: UsageEvent[] }>(`/events?limit=${limit}`, signal)).data;
    },
    subscribe: stream.subscribe,
  };
}

/** `budget` events may carry the list body `{data}` or a bare array; both mean the same. */
function budgetsOf(value: unknown): Budget[] {
  if (Array.isArray(value)) return value as Budget[];
  const data = (value as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? (data as Budget[]) : [];
}

function createSharedStream(
  url: string,
  options: CustomerClientOptions,
  probe: () => Promise<unknown>,
): { subscribe: CustomerClient['subscribe'] } {
  const listeners = new Set<(message: StreamMessage) => void>();
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delayMs = RECONNECT_DELAY_MS;

  const emit = (message: StreamMessage) => {
    for (const listener of listeners) listener(message);
  };
  const on = (event: string, handle: (data: unknown) => void) =>
    source?.addEventListener(event, (e) => {
      try {
        handle(JSON.parse((e as MessageEvent<string>).data));
        delayMs = RECONNECT_DELAY_MS;
      } catch {
        // A malformed frame is dropped; the next event or the poll brings the truth.
      }
    });

  function open() {
    const Source = options.EventSource ?? globalThis.EventSource;
    if (!Source) return; // No EventSource (old runtime, SSR): the kit still works, without live updates.
    source = new Source(url);
    on('snapshot', (data) => {
      const snapshot = data as { balance: BalanceResponse; budgets: unknown };
      emit({ type: 'snapshot', balance: snapshot.balance, budgets: budgetsOf(snapshot.budgets) });
    });
    on('balance', (data) => emit({ type: 'balance', balance: data as BalanceResponse }));
    on('budget', (data) => emit({ type: 'budget', budgets: budgetsOf(data) }));
    source.onerror = () => {
      // The browser retries on its own unless the server refused the connection (closed).
      // EventSource hides the status, so a plain read tells a 401/403 from a network blip.
      if (source?.readyState !== 2) return;
      close();
      probe().then(
        () => schedule(),
        (error: unknown) => {
          const failure = toTollgateError(error);
          if (failure.status === 401 || failure.status === 403) emit({ type: 'error', error: failure });
          else schedule();
        },
      );
    };
  }

  function schedule() {
    if (listeners.size === 0 || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (listeners.size > 0 && !source) open();
    }, delayMs);
    delayMs = Math.min(delayMs * 2, RECONNECT_DELAY_MS_MAX);
  }

  function close() {
    source?.close();
    source = undefined;
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!source && !retry) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        close();
        clearTimeout(retry);
        retry = undefined;
      };
    },
  };
}

/** A usage row as the API sends it: `group` is an object of the grouped columns ({feature: 'chat'}). */
type WireUsageRow = Omit<UsageRow, 'group'> & { group?: Record<string, string | null> | string | null };

/** The kit groups by one column at a time: its value names the group (null: unattributed). */
function groupName(row: WireUsageRow): UsageRow {
  const group = row.group;
  if (group === undefined || group === null || typeof group === 'string') return { ...row, group };
  const values = Object.values(group);
  return { ...row, group: values.every((v) => v === null) ? null : values.map((v) => v ?? '—').join(' · ') };
}
