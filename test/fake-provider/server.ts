import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A fake OpenAI + Anthropic upstream: a real node:http server that replays the recorded wire
 * fixtures of packages/providers/fixtures byte for byte (status, content type and headers from
 * INDEX.json), and records every request it was sent so that tests can check what the gateway
 * forwarded. Streams go out one SSE event (or a fixed number of bytes) per write, optionally with
 * a delay, a stall, or a socket destroyed after N bytes.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('../../packages/providers/fixtures', import.meta.url));

export interface FixtureEntry {
  file: string;
  provider: string;
  api: string;
  streaming: boolean;
  http_status: number;
  content_type: string;
  model: string;
  expected_usage: ExpectedUsage | null;
  request: { method: string; path: string; body: Record<string, unknown>; headers?: Record<string, string> };
  response_headers?: Record<string, string>;
  reference_counts?: { prompt_tokens: number; completion_tokens: number; completion_text: string };
}

export interface ExpectedUsage {
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_creation_input_tokens: number;
  reasoning_tokens: number;
}

const INDEX = JSON.parse(readFileSync(join(FIXTURES_DIR, 'INDEX.json'), 'utf8')) as {
  fixtures: FixtureEntry[];
};

export function fixtureEntry(file: string): FixtureEntry {
  const entry = INDEX.fixtures.find((f) => f.file === file);
  if (!entry) throw new Error(`no fixture ${file} in INDEX.json`);
  return entry;
}

export function fixtureBytes(file: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, file));
}

/** One scripted answer. Fields left out come from the fixture's INDEX.json entry. */
export interface Script {
  /** A fixture file name (from packages/providers/fixtures). */
  fixture?: string;
  /** A literal body instead of a fixture. */
  body?: string | Buffer;
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  /** How a streamed body is cut into writes: one SSE event per write (default), or N bytes. */
  split?: 'events' | number;
  /** Wait before the response headers. */
  headersDelayMs?: number;
  /** Wait before each body write. */
  chunkDelayMs?: number;
  /** Write the first N pieces, then stop writing and keep the connection open. */
  stallAfterChunks?: number;
  /** Write the first N bytes of the body, then destroy the socket. */
  dieAfterBytes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> | null;
  /** The script it was answered with (its fixture, if any). */
  fixture: string | null;
  /** Bytes of the response body written. */
  bytesWritten: number;
  /** Whether the peer closed the connection before the response was complete. */
  closedEarly: boolean;
  /** Resolves when the response finished or the connection closed, whichever came first. */
  done: Promise<void>;
}

export interface FakeProvider {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
  /** Queues a scripted answer for the next request to `path`. */
  enqueue(path: string, script: Script): void;
  /** Holds every response (after recording the request) until resume(). */
  pause(): void;
  resume(): void;
  /** Clears the recorded requests and any queued scripts. */
  reset(): void;
  close(): Promise<void>;
}

/** The fixture replayed when no script is queued for a request. */
function defaultFixture(path: string, body: Record<string, unknown> | null): string | null {
  const stream = body?.stream === true;
  switch (path) {
    case '/v1/chat/completions': {
      const options = body?.stream_options as { include_usage?: unknown } | undefined;
      if (!stream) return 'openai_chat_nonstream.json';
      return options?.include_usage === true
        ? 'openai_chat_stream_include_usage.sse'
        : 'openai_chat_stream_no_usage.sse';
    }
    case '/v1/responses':
      return stream ? 'openai_responses_stream.sse' : 'openai_responses_nonstream.json';
    case '/v1/embeddings':
      return 'openai_embeddings.json';
    case '/v1/messages':
      return stream ? 'anthropic_messages_stream.sse' : 'anthropic_messages_nonstream_prompt_cache.json';
    default:
      return null;
  }
}

interface Resolved {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  fixture: string | null;
  script: Script;
}

function resolve(
  path: string,
  body: Record<string, unknown> | null,
  script: Script | undefined,
): Resolved | null {
  const chosen: Script = script ?? {};
  if (path === '/v1/messages/count_tokens' && !chosen.fixture && chosen.body === undefined) {
    // No recorded fixture exists for count_tokens: its whole wire format is this one object.
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"input_tokens":14}'),
      fixture: null,
      script: chosen,
    };
  }
  const fixture = chosen.fixture ?? (chosen.body === undefined ? defaultFixture(path, body) : null);
  if (fixture === null && chosen.body === undefined) return null;
  const entry = fixture ? fixtureEntry(fixture) : null;
  const bytes = chosen.body !== undefined ? Buffer.from(chosen.body) : fixtureBytes(fixture!);
  const headers: Record<string, string> = { ...(entry?.response_headers ?? {}) };
  headers['content-type'] = chosen.contentType ?? entry?.content_type ?? 'application/json';
  Object.assign(headers, chosen.headers ?? {});
  return {
    status: chosen.status ?? entry?.http_status ?? 200,
    headers,
    body: bytes,
    fixture,
    script: chosen,
  };
}

/** Cuts a body into writes: whole SSE events (their blank line included), or fixed byte runs. */
export function splitBody(body: Buffer, split: 'events' | number, streaming: boolean): Buffer[] {
  if (!streaming) return [body];
  if (typeof split === 'number') {
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i += split) pieces.push(body.subarray(i, i + split));
    return pieces;
  }
  const text = body.toString('latin1');
  const pieces: Buffer[] = [];
  const boundary = /\r\n\r\n|\n\n/g;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    pieces.push(body.subarray(start, end));
    start = end;
  }
  if (start < body.length) pieces.push(body.subarray(start));
  return pieces;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const queues = new Map<string, Script[]>();
  const sockets = new Set<Socket>();
  let gate: Promise<void> | null = null;
  let openGate: () => void = () => {};
  const resume = () => {
    gate = null;
    openGate();
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = null;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const script = queues.get(path)?.shift();
    const resolved = resolve(path, body, script);
    let finish: () => void = () => {};
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      raw,
      body,
      fixture: resolved?.fixture ?? null,
      bytesWritten: 0,
      closedEarly: false,
      done: new Promise<void>((r) => {
        finish = r;
      }),
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
      finish();
    });
    if (gate) await gate;
    if (!resolved) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `fake provider: no route ${path}`, type: 'invalid_request_error' },
        }),
      );
      return;
    }
    await replay(res, record, resolved);
  }

  async function replay(res: ServerResponse, record: RecordedRequest, resolved: Resolved): Promise<void> {
    const { script } = resolved;
    if (script.headersDelayMs) await sleep(script.headersDelayMs);
    const streaming = resolved.headers['content-type']!.includes('text/event-stream');
    res.writeHead(resolved.status, resolved.headers);
    res.flushHeaders();
    const pieces = splitBody(resolved.body, script.split ?? 'events', streaming);
    let index = 0;
    for (const piece of pieces) {
      if (res.destroyed) return;
      if (script.stallAfterChunks !== undefined && index >= script.stallAfterChunks) return; // left open
      if (script.chunkDelayMs) await sleep(script.chunkDelayMs);
      if (script.dieAfterBytes !== undefined && record.bytesWritten + piece.length >= script.dieAfterBytes) {
        const head = piece.subarray(0, script.dieAfterBytes - record.bytesWritten);
        record.bytesWritten += head.length;
        if (head.length > 0) await new Promise<void>((r) => res.write(head, () => r()));
        res.socket?.destroy();
        return;
      }
      record.bytesWritten += piece.length;
      await new Promise<void>((r) => res.write(piece, () => r()));
      index++;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error), type: 'fake_provider_error' } }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue(path, script) {
      const queue = queues.get(path) ?? [];
      queue.push(script);
      queues.set(path, queue);
    },
    pause() {
      gate ??= new Promise<void>((r) => {
        openGate = r;
      });
    },
    resume,
    reset() {
      requests.length = 0;
      queues.clear();
    },
    async close() {
      resume();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
