import type { Micros, RateCard, UsageEvent } from '@tollgate/domain';
import { isComplete, isUsageOnlyChunk, SseParser, type UsageReport } from '@tollgate/providers';
import { type CallContext, maxCost } from './billing.ts';
import type { UpstreamResponse } from './upstream.ts';

export interface StreamOptions {
  call: CallContext;
  upstream: UpstreamResponse;
  contentType: string;
  /** Tollgate asked for a usage chunk the client did not: drop it on the way. */
  stripUsageChunk: boolean;
  abort: () => void;
  headers: Record<string, string>;
  /** Stop the stream cleanly once what it generated would cost more than its hold. */
  cut: StreamCut | null;
  settle: (
    report: UsageReport | null,
    outputText: string,
    status: UsageEvent['status'],
  ) => Promise<{ cost: Micros; price: Micros; balance: Micros | null }>;
}

export interface StreamCut {
  card: RateCard;
  inputTokens: number;
  holdAmount: Micros;
  countOutput(text: string): number;
}

/**
 * Counts the output as it streams (each new piece of text on its own, which never undercounts by
 * more than a token per piece) and says when the next piece would cost more than the hold.
 */
class CutWatch {
  private seen = 0;
  private tokens = 0;
  delivered = 0;

  constructor(private readonly cut: StreamCut) {}

  exceeded(text: string): boolean {
    this.delivered = this.tokens;
    if (text.length > this.seen) {
      this.tokens += this.cut.countOutput(text.slice(this.seen));
      this.seen = text.length;
    }
    return maxCost(this.cut.card, this.cut.inputTokens, this.tokens) > this.cut.holdAmount;
  }
}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/;

/**
 * Splits raw SSE text into whole events (each with its blank line), keeping the unfinished rest.
 * Used only when an event must be dropped: otherwise bytes pass through as they arrive.
 */
export function splitRawEvents(buffer: string): { events: string[]; rest: string } {
  const events: string[] = [];
  let rest = buffer;
  for (;;) {
    const match = BOUNDARY.exec(rest);
    if (!match) return { events, rest };
    const end = match.index + match[0].length;
    events.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
}

function eventData(raw: string): string {
  return raw
    .split(/\r\n|\n|\r/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
}

/**
 * Passes a provider's event stream to the client chunk by chunk (the first byte leaves as soon as
 * it arrives), while a tap reads usage and generated text on the side. Whatever ends the stream
 * settles the call once: the provider finishing (its reported usage), the client going away (the
 * upstream is aborted and what was generated is billed), or the provider failing (what was
 * delivered is billed).
 */
export function streamResponse(options: StreamOptions): Response {
  const { call, upstream } = options;
  const tap = call.route.adapter.streamTap(call.api);
  const parser = new SseParser((event) => tap.onEvent(event));
  const iterator = upstream.body[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let pending = '';
  const watch = options.cut && new CutWatch(options.cut);
  let settled: Promise<unknown> | null = null;
  const settle = (status: UsageEvent['status']) => {
    settled ??= options.settle(tap.report, tap.outputText, status).catch(() => undefined);
    return settled;
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A pull that enqueues nothing is not called again (highWaterMark 0): read on until a
        // chunk goes out or the stream ends, or a chunk holding no whole event stalls the client.
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch {
            // The provider failed mid-stream: bill what was delivered, end the client's stream.
            parser.end();
            await settle(tap.finished ? 'ok' : 'upstream_failed');
            controller.close();
            return;
          }
          if (next.done) {
            parser.end();
            if (pending) controller.enqueue(encoder.encode(pending));
            // An error event (Anthropic's overloaded_error) or a stream cut before its end is a failure,
            // even when part of the usage (the input) arrived.
            await settle(!tap.failed && (tap.finished || isComplete(tap.report)) ? 'ok' : 'upstream_failed');
            controller.close();
            return;
          }
          const chunk = next.value;
          parser.push(chunk);
          const closing =
            watch && !tap.finished && watch.exceeded(tap.outputText) && tap.closingEvents(watch.delivered);
          if (closing) {
            // The hold is used up: end the stream as a model at its limit would, stop the provider.
            options.abort();
            upstream.body.destroy();
            controller.enqueue(encoder.encode(closing));
            await settle('hold_exhausted');
            controller.close();
            return;
          }
          if (!options.stripUsageChunk) {
            controller.enqueue(chunk);
            return;
          }
          const split = splitRawEvents(pending + decoder.decode(chunk, { stream: true }));
          pending = split.rest;
          const kept = split.events.filter((raw) => !isUsageOnlyChunk(eventData(raw))).join('');
          if (kept) {
            controller.enqueue(encoder.encode(kept));
            return;
          }
        }
      },
      async cancel() {
        // The client went away: stop the provider, bill what it generated until now.
        options.abort();
        upstream.body.destroy();
        parser.end();
        await settle('client_aborted');
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: upstream.status,
    headers: {
      ...options.headers,
      'content-type': options.contentType,
      'cache-control': 'no-cache',
    },
  });
}
