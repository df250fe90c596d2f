import type { z } from 'zod';
import type { ErrorCode } from './errors.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One admin API route, described once: the server validates with these schemas and the OpenAPI
 * document is generated from them, so the docs and the behaviour cannot drift apart.
 */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Relative to /api/v1, with OpenAPI `{name}` parameters. */
  readonly path: `/${string}`;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** False only for the few routes that need no admin key (the OpenAPI document). */
  readonly auth: boolean;
  /** Whether the route moves money and so takes an `Idempotency-Key` header. */
  readonly idempotent: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly status: 200 | 201;
  readonly response: z.ZodType;
  /** The route's own failure codes; validation and auth errors are added by the document builder. */
  readonly errors: readonly ErrorCode[];
}

/**
 * Declares a route, keeping its literal types so handlers get typed params, query and body.
 *
 * @example
 * const getCustomer = defineRoute({
 *   method: 'get', path: '/customers/{id}', operationId: 'getCustomer', summary: 'Get a customer',
 *   tags: ['customers'], auth: true, idempotent: false, params: idParams, status: 200,
 *   response: customerSchema, errors: ['customer_not_found'],
 * });
 */
export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

type Parsed<R, K extends 'params' | 'query' | 'body'> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? z.output<S>
  : undefined;

/**
 * What a handler of route R receives once its inputs are validated.
 *
 * @example
 * type GrantInput = RouteInput<typeof adminRoutes.createGrant>; // { params: { id: string }, body: { amount: bigint, … }, … }
 */
export interface RouteInput<R extends RouteSpec> {
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  body: Parsed<R, 'body'>;
  idempotencyKey: string | null;
}

/**
 * The JSON body a route answers with on success.
 *
 * @example
 * type Wallet = RouteResponse<typeof adminRoutes.getWallet>;
 */
export type RouteResponse<R extends RouteSpec> = z.output<R['response']>;
