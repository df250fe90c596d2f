import { Agent, errors, request } from 'undici';

/** Connections kept open per upstream origin. */
export const UPSTREAM_CONNECTIONS_MAX = 256;
/** Time to the first response byte, and between two body bytes, before the upstream is given up. */
export const UPSTREAM_HEADERS_TIMEOUT_MS = 120_000;
export const UPSTREAM_BODY_TIMEOUT_MS = 300_000;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };
}

/**
 * The lean I/O path to providers: undici with keep-alive connections per origin, no Web
 * Request/Response objects, bodies as byte chunks.
 */
export class Upstream {
  private readonly agent = new Agent({
    connections: UPSTREAM_CONNECTIONS_MAX,
    headersTimeout: UPSTREAM_HEADERS_TIMEOUT_MS,
    bodyTimeout: UPSTREAM_BODY_TIMEOUT_MS,
    keepAliveTimeout: 30_000,
  });

  async send(
    url: string,
    headers: Record<string, string>,
    body: string | Buffer,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const response = await request(url, { method: 'POST', headers, body, signal, dispatcher: this.agent });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError;
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
