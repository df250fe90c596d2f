/**
 * The load generator of `npm run bench:gateway`: `concurrency` closed-loop clients on an undici
 * Pool with one connection each, each sending its next request as soon as the last one's body has
 * been read to the end. Latency is from the send to the last body byte; for streams the time to
 * the first body byte is kept too.
 */
import { Pool } from 'undici';

export interface LoadTarget {
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
}

export interface LoadRun {
  requests: number;
  /** Answered with a status outside 2xx. */
  non2xx: number;
  /** Failed on the wire (refused, reset, timed out). */
  errors: number;
  /** 2xx whose stream did not end with `data: [DONE]` or whose body was empty. */
  incomplete: number;
  durationMs: number;
  latenciesMs: number[];
  firstByteMs: number[];
  firstFailure: string | null;
}

const DONE = Buffer.from('data: [DONE]\n\n');

/** One keep-alive connection per client, kept from the warm-up into the measured run. */
export function loadPool(origin: string, concurrency: number): Pool {
  return new Pool(origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

export async function runLoad(
  pool: Pool,
  target: LoadTarget,
  concurrency: number,
  durationMs: number,
): Promise<LoadRun> {
  const run: LoadRun = {
    requests: 0,
    non2xx: 0,
    errors: 0,
    incomplete: 0,
    durationMs: 0,
    latenciesMs: [],
    firstByteMs: [],
    firstFailure: null,
  };
  const fail = (what: string) => {
    run.firstFailure ??= what;
  };
  const start = performance.now();
  const until = start + durationMs;
  const client = async () => {
    while (performance.now() < until) {
      const sentAt = performance.now();
      try {
        const response = await pool.request({
          method: 'POST',
          path: target.path,
          headers: target.headers,
          body: target.body,
        });
        let bytes = 0;
        let firstByteAt = 0;
        let last: Buffer | null = null;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          if (bytes === 0) firstByteAt = performance.now();
          bytes += chunk.byteLength;
          last = chunk;
        }
        const doneAt = performance.now();
        run.requests++;
        if (response.statusCode < 200 || response.statusCode > 299) {
          run.non2xx++;
          fail(`HTTP ${response.statusCode}`);
          continue;
        }
        if (bytes === 0 || (target.stream && !endsWithDone(last))) {
          run.incomplete++;
          fail('incomplete body');
          continue;
        }
        run.latenciesMs.push(doneAt - sentAt);
        if (target.stream) run.firstByteMs.push(firstByteAt - sentAt);
      } catch (error) {
        run.requests++;
        run.errors++;
        fail((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  run.durationMs = performance.now() - start;
  return run;
}

/** A stream's last chunk may hold more than the terminator (or, rarely, only part of it). */
function endsWithDone(last: Buffer | null): boolean {
  if (!last) return false;
  return last.byteLength >= DONE.byteLength
    ? last.subarray(-DONE.byteLength).equals(DONE)
    : DONE.toString().endsWith(last.toString());
}
