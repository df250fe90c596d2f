import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';

/** Requires `Authorization: Bearer <admin key>`, checked by `authorize`. */
export function adminAuth(authorize: (token: string) => Promise<boolean>): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      throw new ApiError('admin_key_missing', 'Send the admin key as `Authorization: Bearer <admin key>`.');
    }
    if (!(await authorize(match[1]!))) {
      throw new ApiError('admin_key_invalid', 'The admin key is not valid; check TOLLGATE_ADMIN_KEY.');
    }
    await next();
  };
}
