import { parseInput, type RouteInput, type RouteResponse, type RouteSpec } from '@tollgate/contract';
import type { Context, Hono } from 'hono';
import { inputError } from '../errors.ts';
import { readIdempotencyKey } from './idempotency.ts';
import { readJsonBody } from './json-body.ts';

/** A handler's success: the body (in the route's response shape) and whether it is a replay. */
export interface Reply<R extends RouteSpec> {
  body: RouteResponse<R>;
  replayed?: boolean;
}

export type RouteHandler<R extends RouteSpec> = (input: RouteInput<R>, c: Context) => Promise<Reply<R>>;

function parseOrThrow(schema: RouteSpec['body'], value: unknown): unknown {
  if (!schema) return undefined;
  const parsed = parseInput(schema, value);
  if (!parsed.ok) throw inputError(parsed.problem);
  return parsed.data;
}

/** `/wallets/{id}/grants` → `/wallets/:id/grants`. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Mounts a route of the contract on a Hono app: validates path parameters, query, headers and
 * body with the route's own schemas (the ones the OpenAPI document is built from) before the
 * handler runs, so a refused request never reaches the store.
 */
export function bindRoute<R extends RouteSpec>(app: Hono, route: R, handler: RouteHandler<R>): void {
  app.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
    const params = parseOrThrow(route.params, c.req.param());
    const query = parseOrThrow(route.query, c.req.query());
    const idempotencyKey = route.idempotent ? readIdempotencyKey(c) : null;
    const body = route.body ? parseOrThrow(route.body, await readJsonBody(c)) : undefined;
    const input = { params, query, body, idempotencyKey } as RouteInput<R>;
    const reply = await handler(input, c);
    if (reply.replayed) c.header('idempotent-replayed', 'true');
    return c.json(reply.body as object, route.status);
  });
}
