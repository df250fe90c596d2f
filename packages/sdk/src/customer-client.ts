import { errorFromResponse, TollgateError } from './errors.ts';
import { apiRoot, type FetchLike, type HttpOptions, request, segment } from './http.ts';
import { sseParser } from './sse.ts';
import type {
  CustomerBalance,
  CustomerBudget,
  CustomerEvent,
  CustomerStreamEvent,
  List,
  Usage,
  UsageQuery,
} from './types.ts';

export interface CustomerClientOptions {
  baseUrl: string;
  /** A customer token minted by your backend (`tollgate.customerTokens.create`). */
  token: string;
  /** The customer the token was minted for; read from the token when absent. */
  customerId?: string;
  fetch?: FetchLike;
  /** `auto` (default) uses EventSource where the platform has one, else fetch streaming. */
  transport?: 'auto' | 'eventsource' | 'fetch';
}

/** Per call: an AbortSignal, so a component that unmounts can cancel its read. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface CustomerClient {
  readonly customerId: string;
  balance(options?: CallOptions): Promise<CustomerBalance>;
  usage(query?: UsageQuery, options?: CallOptions): Promise<Usage>;
  budgets(options?: CallOptions): Promise<List<CustomerBudget>>;
  events(query?: { limit?: number }, options?: CallOptions): Promise<List<CustomerEvent>>;
  /** Calls `onEvent` with a snapshot, then every change; returns the function that closes the stream. */
  stream(onEvent: (event: CustomerStreamEvent) => void): () => void;
}

/** Reconnect delays of the fetch transport (EventSource has its own). */
const RECONNECT_MS_MIN = 1_000;
const RECONNECT_MS_MAX = 30_000;

/** The `sub` claim of a JWT, read without verifying (the server verifies). */
function tokenSubject(token: string): string {
  const payload = token.split('.')[1];
  if (!payload) throw new TypeError('createCustomerClient: token is not a customer token (JWT).');
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
  if (typeof json.sub !== 'string') throw new TypeError('createCustomerClient: the token names no customer.');
  return json.sub;
}

type Emit = (event: CustomerStreamEvent) => void;

function dispatch(name: string, data: string, emit: Emit): void {
  const body = JSON.parse(data);
  if (name === 'snapshot') emit({ type: 'snapshot', balance: body.balance, budgets: body.budgets });
  else if (name === 'balance') emit({ type: 'balance', balance: body });
  else if (name === 'budget') emit({ type: 'budget', budgets: body });
}

interface EventSourceLike {
  addEventListener(name: string, listener: (event: { data?: unknown }) => void): void;
  close(): void;
  readyState: number;
}
type EventSourceClass = new (url: string) => EventSourceLike;

function eventSourceStream(url: string, token: string, emit: Emit, Source: EventSourceClass): () => void {
  // EventSource cannot send headers: the token goes in the query (short-lived, read-only).
  const source = new Source(`${url}?token=${encodeURIComponent(token)}`);
  for (const name of ['snapshot', 'balance', 'budget'])
    source.addEventListener(name, (event) => dispatch(name, String(event.data), emit));
  source.addEventListener('error', () => {
    // CLOSED (2) means the server refused (401/403): EventSource will not retry, so say so.
    const fatal = source.readyState === 2;
    emit({
      type: 'error',
      error: new TollgateError(
        0,
        fatal ? 'stream_closed' : 'stream_interrupted',
        'The customer stream was interrupted.',
      ),
    });
  });
  return () => source.close();
}

function fetchStream(url: string, http: HttpOptions, emit: Emit): () => void {
  const fetcher = http.fetch ?? globalThis.fetch;
  const controller = new AbortController();
  let delayMs = RECONNECT_MS_MIN;
  const connect = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetcher(url, {
          headers: { authorization: `Bearer ${http.bearer}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const error = await errorFromResponse(response);
          emit({ type: 'error', error });
          // A refused token stays refused: stop instead of retrying forever.
          if (response.status >= 400 && response.status < 500) return;
        } else {
          delayMs = RECONNECT_MS_MIN;
          const parser = sseParser((m) => dispatch(m.event, m.data, emit));
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.push(value);
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        emit({ type: 'error', error: error as Error });
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, RECONNECT_MS_MAX);
    }
  };
  void connect();
  return () => controller.abort();
}

/**
 * The browser-side client of one customer, authorised by a customer token: what the React kit
 * uses. It can read that customer's balance, usage, budgets and events, and nothing else.
 *
 * @example
 * const client = createCustomerClient({ baseUrl: 'https://tg.example.com', token });
 * const { wallets } = await client.balance();
 * const close = client.stream((event) => {
 *   if (event.type === 'balance') render(event.balance);
 * });
 */
export function createCustomerClient(options: CustomerClientOptions): CustomerClient {
  const customerId = options.customerId ?? tokenSubject(options.token);
  const http: HttpOptions = { baseUrl: options.baseUrl, bearer: options.token, fetch: options.fetch };
  const base = `/customers/${segment(customerId)}`;
  const get = <T>(path: string, query: object | undefined, options: CallOptions = {}) =>
    request<T>(http, 'GET', `${base}${path}`, {
      query: query as Record<string, string> | undefined,
      signal: options.signal,
    });
  return {
    customerId,
    balance: (options) => get<CustomerBalance>('/balance', undefined, options),
    usage: (query, options) => get<Usage>('/usage', query, options),
    budgets: (options) => get<List<CustomerBudget>>('/budgets', undefined, options),
    events: (query, options) => get<List<CustomerEvent>>('/events', query, options),
    stream(onEvent) {
      const url = `${apiRoot(options.baseUrl)}${base}/stream`;
      const Source = (globalThis as { EventSource?: EventSourceClass }).EventSource;
      const useSource =
        options.transport === 'eventsource' ||
        (options.transport !== 'fetch' && Source !== undefined && options.fetch === undefined);
      if (useSource && Source) return eventSourceStream(url, options.token, onEvent, Source);
      return fetchStream(url, http, onEvent);
    },
  };
}
