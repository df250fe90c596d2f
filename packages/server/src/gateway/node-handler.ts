import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api } from '@tollgate/providers';
import type { CallerFormat } from './caller-errors.ts';
import { type GatewayReply, type GatewayRequest, isStream, RequestTooLarge } from './exchange.ts';
import type { Gateway } from './gateway.ts';

/** The data plane's routes: method and path → what serves them. */
export function gatewayRoute(
  gateway: Gateway,
  method: string,
  path: string,
): ((request: GatewayRequest) => Promise<GatewayReply>) | null {
  const call = (api: Api, format: CallerFormat) => (request: GatewayRequest) =>
    gateway.handle(api, format, request);
  if (method === 'POST') {
    switch (path) {
      case '/v1/chat/completions':
        return call('chat', 'openai');
      case '/v1/responses':
        return call('responses', 'openai');
      case '/v1/embeddings':
        return call('embeddings', 'openai');
      case '/v1/messages':
        return call('messages', 'anthropic');
      case '/v1/messages/count_tokens':
        return (request) => gateway.countTokens(request);
    }
  }
  if (method === 'GET' && path === '/v1/models') return (request) => gateway.models(request);
  return gateway.route(method, path);
}

function fromNode(req: IncomingMessage, res: ServerResponse): GatewayRequest {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return {
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    signal: controller.signal,
    readBody(bytesMax) {
      return new Promise((resolve, reject) => {
        if (Number(req.headers['content-length'] ?? Number.NaN) > bytesMax) {
          reject(new RequestTooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > bytesMax) {
            req.removeAllListeners('data');
            req.resume();
            reject(new RequestTooLarge());
            return;
          }
          chunks.push(chunk);
        });
        req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
        req.once('error', reject);
      });
    },
  };
}

async function writeNode(res: ServerResponse, reply: GatewayReply): Promise<void> {
  const body = reply.body;
  if (!isStream(body)) {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.byteLength) });
    res.end(body);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  let gone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    void body.cancel();
  };
  res.once('close', onClose);
  for (;;) {
    const chunk = await body.next();
    if (gone) return;
    if (chunk === null) break;
    if (!res.write(chunk))
      await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.off('close', onClose);
  res.end();
}

/**
 * Serves the gateway's routes straight on node:http: no Web Request/Response objects on the hot
 * path. Anything else falls through to `next` (the Hono app). Returns whether it took the call.
 */
export function nodeGatewayListener(
  gateway: Gateway,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = gatewayRoute(gateway, req.method ?? 'GET', query === -1 ? url : url.slice(0, query));
    if (!route) {
      next(req, res);
      return;
    }
    route(fromNode(req, res))
      .then((reply) => writeNode(res, reply))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          '{"error":{"message":"Tollgate failed to handle the call.","type":"api_error","code":"internal_error"}}',
        );
      });
  };
}
