import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type AdminClient, mintCustomerToken } from './admin-client.ts';
import type { SeededDemo } from './seed.ts';

/** What the backend needs once Tollgate runs; it listens before that, to know its own origin. */
export interface BackendState {
  tollgateUrl: string;
  admin: AdminClient;
  seeded: SeededDemo;
  /** The built page (index.html and assets). */
  pageDir: string;
}

export interface Backend {
  url: string;
  /** Hands the backend its state: until then every route answers 503. */
  ready(state: BackendState): void;
  close(): Promise<void>;
}

const TOKEN_TTL_S_DEFAULT = 900;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * The demo's "vendor backend": serves the page, mints customer tokens with the admin key (which
 * never reaches the browser), and makes gateway calls with a virtual key it keeps to itself.
 */
export async function startBackend(port: number, host = '127.0.0.1'): Promise<Backend> {
  let state: BackendState | undefined;
  const server = createServer((req, res) => {
    if (!state) return send(res, 503, { error: 'starting' });
    route(state, req, res).catch((error: unknown) => {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    ready(given) {
      state = given;
    },
    close: () => closeServer(server),
  };
}

async function route(state: BackendState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo');
  if (url.pathname === '/demo/session') return session(state, url, res);
  if (url.pathname === '/demo/call' && req.method === 'POST') return call(state, res);
  return serveFile(state.pageDir, url.pathname, res);
}

/** A fresh token per page load, as a vendor mints one for each signed-in page view. */
async function session(state: BackendState, url: URL, res: ServerResponse): Promise<void> {
  const ttlS = Number(url.searchParams.get('ttl_s') ?? TOKEN_TTL_S_DEFAULT);
  const minted = await mintCustomerToken(state.admin, state.seeded.customerId, ttlS);
  send(res, 200, {
    base_url: state.tollgateUrl,
    token: minted.token,
    expires_at: minted.expires_at,
    customer_id: state.seeded.customerId,
    other_customer_id: state.seeded.otherCustomerId,
  });
}

/** One chat completion through the real gateway, paid from the customer's wallet. */
async function call(state: BackendState, res: ServerResponse): Promise<void> {
  const response = await fetch(`${state.tollgateUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${state.seeded.virtualKey}`,
      'content-type': 'application/json',
      'x-tollgate-user': 'ana',
    },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Say hello to the demo.' }],
    }),
  });
  await response.arrayBuffer();
  send(res, 200, {
    status: response.status,
    price: response.headers.get('x-tollgate-price'),
    balance: response.headers.get('x-tollgate-balance'),
  });
}

async function serveFile(pageDir: string, pathname: string, res: ServerResponse): Promise<void> {
  // normalize + a leading '/' keeps '..' from climbing out of the page directory.
  const relative = normalize(`/${decodeURIComponent(pathname)}`).slice(1);
  const path = join(pageDir, relative === '' ? 'index.html' : relative);
  try {
    const body = await readFile(path);
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    // A single-page app: unknown paths get the page.
    const index = await readFile(join(pageDir, 'index.html'));
    res.writeHead(200, { 'content-type': CONTENT_TYPES['.html']! });
    res.end(index);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
