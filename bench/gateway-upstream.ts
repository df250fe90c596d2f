/**
 * The fake OpenAI upstream of `npm run bench:gateway`: node:http on loopback, replaying the recorded
 * chat completion fixtures byte for byte (status and content type from INDEX.json). A request
 * with `"stream": true` gets the include_usage stream, one SSE event per write; any other the
 * non-streaming completion. `delayMs` (changed between phases) waits before the response, which
 * for a stream is the wait before its first chunk; the rest of the stream follows at once.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../packages/providers/fixtures/', import.meta.url));
export const NONSTREAM_FIXTURE = 'openai_chat_nonstream.json';
export const STREAM_FIXTURE = 'openai_chat_stream_include_usage.sse';

interface FixtureEntry {
  file: string;
  http_status: number;
  content_type: string;
  request: { body: Record<string, unknown> };
}
const INDEX = JSON.parse(readFileSync(`${FIXTURES}INDEX.json`, 'utf8')) as { fixtures: FixtureEntry[] };

export interface Fixture {
  entry: FixtureEntry;
  bytes: Buffer;
}

export function fixture(file: string): Fixture {
  const entry = INDEX.fixtures.find((f) => f.file === file);
  if (!entry) throw new Error(`no fixture ${file} in INDEX.json`);
  return { entry, bytes: readFileSync(`${FIXTURES}${file}`) };
}

/** SSE events with their blank line, so that their concatenation is the fixture's bytes. */
function sseEvents(bytes: Buffer): Buffer[] {
  const text = bytes.toString('utf8');
  const events: Buffer[] = [];
  let start = 0;
  for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n', start)) {
    events.push(Buffer.from(text.slice(start, end + 2)));
    start = end + 2;
  }
  if (start < text.length) events.push(Buffer.from(text.slice(start)));
  if (!Buffer.concat(events).equals(bytes)) throw new Error('SSE split lost bytes');
  return events;
}

export interface FakeUpstream {
  url: string;
  delayMs: number;
  requests: number;
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const plain = fixture(NONSTREAM_FIXTURE);
  const stream = fixture(STREAM_FIXTURE);
  const events = sseEvents(stream.bytes);
  const state = { delayMs: 0, requests: 0 };

  const answer = (wantsStream: boolean, res: ServerResponse) => {
    if (!wantsStream) {
      res.writeHead(plain.entry.http_status, {
        'content-type': plain.entry.content_type,
        'content-length': plain.bytes.byteLength,
        'x-request-id': 'req_bench_upstream',
      });
      res.end(plain.bytes);
      return;
    }
    res.writeHead(stream.entry.http_status, {
      'content-type': stream.entry.content_type,
      'cache-control': 'no-cache',
      'x-request-id': 'req_bench_upstream',
    });
    for (const event of events) res.write(event);
    res.end();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests++;
      let wantsStream = false;
      try {
        wantsStream =
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: unknown }).stream === true;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      if (state.delayMs > 0) setTimeout(() => answer(wantsStream, res), state.delayMs);
      else answer(wantsStream, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
