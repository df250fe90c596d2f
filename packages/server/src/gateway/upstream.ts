import { Agent, type Dispatcher, errors } from 'undici';

/** Connections kept open per upstream origin. */
export const UPSTREAM_CONNECTIONS_MAX = 256;
/** Time to the first response byte, and between two body bytes, before the upstream is given up. */
export const UPSTREAM_HEADERS_TIMEOUT_MS = 120_000;
export const UPSTREAM_BODY_TIMEOUT_MS = 300_000;
/** A response body buffers at most this much ahead of its reader before the socket is paused. */
export const UPSTREAM_BUFFERED_BYTES_MAX = 64 * 1024;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };
}

/**
 * The lean I/O path to providers: undici's dispatcher with keep-alive connections per origin and
 * a handler of our own, so a call makes no Web Request/Response, no Readable stream and no async
 * iterator of one (measured: 55 → 33 µs of CPU per call against a loopback server, both sides
 * counted); bodies arrive as byte chunks, paused when their reader falls behind.
 */
export class Upstream {
  private readonly agent = new Agent({
    connections: UPSTREAM_CONNECTIONS_MAX,
    headersTimeout: UPSTREAM_HEADERS_TIMEOUT_MS,
    bodyTimeout: UPSTREAM_BODY_TIMEOUT_MS,
    keepAliveTimeout: 30_000,
  });

  send(
    url: string,
    headers: Record<string, string>,
    body: string | Buffer,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const origin = start === -1 ? url : url.slice(0, start);
    const path = start === -1 ? '/' : url.slice(start);
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new errors.RequestAbortedError());
        return;
      }
      this.agent.dispatch(
        { origin, path, method: 'POST', headers, body },
        new ResponseHandler(signal, resolve, reject),
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

type Controller = Dispatcher.DispatchController;

/** Takes one response off undici: its head resolves `send`, its chunks feed an UpstreamBody. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Controller | null = null;
  private body: UpstreamBody | null = null;
  private readonly onAbort = () => this.controller?.abort(new errors.RequestAbortedError());

  constructor(
    private readonly signal: AbortSignal,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(new errors.RequestAbortedError());
    else this.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.body = new UpstreamBody(controller);
    this.resolve({ status: statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.body?.end(null);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.body) this.body.end(error);
    else this.reject(error);
  }
}

/**
 * A response body as byte chunks: an async iterable (streams read it chunk by chunk) that pauses
 * the socket while more than UPSTREAM_BUFFERED_BYTES_MAX wait unread, and `all()` for a whole body.
 * `destroy()` aborts the request, which closes its connection.
 */
export class UpstreamBody implements AsyncIterable<Uint8Array> {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: Error | null = null;
  private paused = false;
  /** Read whole (all()): nothing drains it before the end, so it is never paused. */
  private whole = false;
  private waiter: { resolve: () => void } | null = null;

  constructor(private readonly controller: Controller) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > UPSTREAM_BUFFERED_BYTES_MAX && !this.paused && !this.whole) {
      this.paused = true;
      this.controller.pause();
    }
    this.wake();
  }

  end(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.wake();
  }

  /** Aborts the request (closing its connection) and drops what was not read. */
  destroy(error?: Error): void {
    if (!this.ended) this.controller.abort(error ?? new errors.RequestAbortedError());
    this.chunks = [];
    this.buffered = 0;
    this.ended = true;
    this.error ??= error ?? new errors.RequestAbortedError();
    this.wake();
  }

  /** The whole body, once it ended. */
  async all(): Promise<Buffer> {
    this.whole = true;
    if (this.paused) {
      this.paused = false;
      this.controller.resume();
    }
    while (!this.ended) await this.wait();
    if (this.error) throw this.error;
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        while (this.chunks.length === 0 && !this.ended) await this.wait();
        const chunk = this.chunks.shift();
        if (chunk) {
          this.buffered -= chunk.length;
          if (this.paused && this.buffered <= UPSTREAM_BUFFERED_BYTES_MAX / 2) {
            this.paused = false;
            this.controller.resume();
          }
          return { done: false, value: chunk };
        }
        if (this.error) throw this.error;
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<Uint8Array>> => {
        this.destroy();
        return { done: true, value: undefined };
      },
    };
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = { resolve };
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve();
  }
}

export function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError;
}

/** A whole body: an UpstreamBody's own `all()`, or any byte stream read to its end. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  if (body instanceof UpstreamBody) return body.all();
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
