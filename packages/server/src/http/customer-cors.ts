import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * Origins allowed to call the customer routes from a browser, from TOLLGATE_CORS_ORIGINS
 * (comma-separated; `*` for any). Origins are compared as the browser sends them: scheme, host, port.
 *
 * @example
 * parseCorsOrigins('https://app.acme.com, http://localhost:5173'); // ['https://app.acme.com', 'http://localhost:5173']
 */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin.length > 0);
}

/**
 * CORS for the customer routes. An origin that is not allowed gets no CORS header at all (its
 * preflight is a bare 204), so the browser refuses the call. Credentials (cookies) are never
 * allowed: the token travels in the Authorization header, which is what makes `*` safe here.
 */
export function customerCors(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const withHeaders = cors({
    origin: (origin) => (any ? '*' : origin),
    allowMethods: ['GET', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && (any || allowed.has(origin))) return withHeaders(c, next);
    if (c.req.method === 'OPTIONS') return c.body(null, 204);
    await next();
  };
}
