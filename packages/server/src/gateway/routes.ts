import type { Hono } from 'hono';
import { fromWebRequest, toWebResponse } from './exchange.ts';
import type { Gateway } from './gateway.ts';
import { gatewayRoute } from './node-handler.ts';

/**
 * The data plane's routes on the Hono app (DESIGN.md §4 Gateway), for Web-standard runtimes and
 * `app.request()` in tests. On Node, `nodeGatewayListener` serves the same routes without Web
 * Request/Response objects.
 */
export function mountGateway(app: Hono, gateway: Gateway): void {
  const paths: [string, 'post' | 'get'][] = [
    ['/v1/chat/completions', 'post'],
    ['/v1/responses', 'post'],
    ['/v1/embeddings', 'post'],
    ['/v1/messages', 'post'],
    ['/v1/messages/count_tokens', 'post'],
    ['/v1/models', 'get'],
    ['/v1/traces', 'post'],
  ];
  for (const [path, method] of paths) {
    const route = gatewayRoute(gateway, method.toUpperCase(), path);
    if (!route) continue;
    app[method](path, async (c) => toWebResponse(await route(fromWebRequest(c.req.raw))));
  }
}
