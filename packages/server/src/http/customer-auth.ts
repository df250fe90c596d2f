import type { Context, MiddlewareHandler } from 'hono';
import type { CustomerTokens } from '../customer-tokens/tokens.ts';
import { ApiError } from '../errors.ts';

/** Who is reading a customer route: the vendor (admin key) or one customer (or one of its users). */
export type CustomerReader =
  | { kind: 'admin' }
  | { kind: 'customer'; customerId: string; userId: string | null };

export interface CustomerAuthDeps {
  authorizeAdmin(token: string): Promise<boolean>;
  tokens(): CustomerTokens;
}

const readers = new WeakMap<Request, CustomerReader>();

/** A compact JWS: three base64url parts, the header starting `{"` (eyJ). Admin keys never look like one. */
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

function credential(c: Context, queryToken: boolean): string | undefined {
  const match = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
  if (match) return match[1];
  return queryToken ? c.req.query('token') : undefined;
}

async function reader(deps: CustomerAuthDeps, given: string): Promise<CustomerReader> {
  if (JWT_SHAPE.test(given)) {
    const check = await deps.tokens().verify(given);
    if (check.ok) return { kind: 'customer', customerId: check.customerId, userId: check.userId };
    throw check.code === 'token_expired'
      ? new ApiError('token_expired', 'The customer token has expired; mint a new one from your backend.')
      : new ApiError('token_invalid', 'The customer token is not valid; mint a new one from your backend.');
  }
  if (await deps.authorizeAdmin(given)) return { kind: 'admin' };
  throw new ApiError('admin_key_invalid', 'The admin key is not valid; check TOLLGATE_ADMIN_KEY.');
}

/**
 * Admits the admin key or a customer token of the customer in the path. Another customer's
 * token gets 403 before anything is read, the same whether that customer exists or not.
 * `queryToken` also takes `?token=` (for EventSource, which cannot send headers).
 */
export function customerAuth(deps: CustomerAuthDeps, queryToken = false): MiddlewareHandler {
  return async (c, next) => {
    const given = credential(c, queryToken);
    if (given === undefined)
      throw new ApiError(
        'admin_key_missing',
        'Send a customer token (or the admin key) as `Authorization: Bearer <token>`.',
      );
    const who = await reader(deps, given);
    if (who.kind === 'customer' && who.customerId !== c.req.param('id'))
      throw new ApiError('forbidden', 'This customer token cannot read that customer.');
    readers.set(c.req.raw, who);
    await next();
  };
}

/** The reader customerAuth admitted for this request. */
export function customerReader(c: Context): CustomerReader {
  const who = readers.get(c.req.raw);
  if (!who) throw new Error('customerReader called on a route without customerAuth');
  return who;
}
