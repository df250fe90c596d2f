import { errorFromResponse, TollgateError } from './errors.ts';

/** A fetch function: the global one by default; pass your own for tests, proxies or retries. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Query values; undefined ones are left out. Arrays are joined with commas (group_by). */
export type QueryValues = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface HttpOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`: the admin key or a customer token. */
  bearer: string;
  fetch?: FetchLike;
}

export interface RequestOptions {
  query?: QueryValues;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * `https://tg.example.com` or `…/api/v1` → `…/api/v1`: both forms are accepted.
 *
 * @example
 * apiRoot('http://localhost:8484/'); // 'http://localhost:8484/api/v1'
 */
export function apiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v1') ? trimmed : `${trimmed}/api/v1`;
}

/**
 * A query string from values, leaving out the undefined ones.
 *
 * @example
 * queryString({ granularity: 'day', group_by: ['feature', 'model'], from: undefined }); // '?granularity=day&group_by=feature%2Cmodel'
 */
export function queryString(query: QueryValues | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    params.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** bigint amounts travel as decimal strings, which the API reads exactly. */
function jsonBody(body: unknown): string {
  return JSON.stringify(body, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}

/**
 * Calls one route; answers its JSON, or throws a TollgateError.
 *
 * @example
 * const wallet = await request<Wallet>({ baseUrl, bearer: adminKey }, 'GET', '/wallets/wal_1');
 */
export async function request<T>(
  http: HttpOptions,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${http.bearer}`,
    accept: 'application/json',
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const url = `${apiRoot(http.baseUrl)}${path}${queryString(options.query)}`;
  const fetcher = http.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetcher(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : jsonBody(options.body),
      signal: options.signal,
    });
  } catch (error) {
    throw new TollgateError(0, 'network_error', `Could not reach Tollgate: ${(error as Error).message}`);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

/**
 * A path segment, escaped (ids are URL-safe already; this keeps a stray one from changing the route).
 *
 * @example
 * segment('acme/../keys'); // 'acme%2F..%2Fkeys'
 */
export const segment = (id: string): string => encodeURIComponent(id);
