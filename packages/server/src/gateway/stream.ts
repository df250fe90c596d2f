import type { Micros, RateCard, UsageEvent } from '@tollgate/domain';
import {
  isComplete,
  isUsageOnlyChunk,
  SseParser,
  type StreamTap,
  type UsageReport,
} from '@tollgate/providers';
import { type CallContext, maxCost } from './billing.ts';
import type { GatewayReply, ReplyStream } from './exchange.ts';
import type { UpstreamResponse } from './upstream.ts';

export interface StreamOptions {
  call: CallContext;
  upstream: UpstreamResponse;
  contentType: string;
  /** Tollgate asked for a usage chunk the client did not: drop it on the way. */
  stripUsageChunk: boolean;
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
  /** The cost at which the call's hold is used up. */
  costLimit: Micros;
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
    return maxCost(this.cut.card, this.cut.inputTokens, this.tokens) > this.cut.costLimit;
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
export class StreamPump implements ReplyStream {
  private readonly tap: StreamTap;
  private readonly parser: SseParser;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly watch: CutWatch | null;
  private pending = '';
  private done = false;
  private settled: Promise<unknown> | null = null;

  static reply(options: StreamOptions): GatewayReply {
    return {
      status: options.upstream.status,
      headers: { ...options.headers, 'content-type': options.contentType, 'cache-control': 'no-cache' },
      body: new StreamPump(options),
    };
  }

  constructor(private readonly options: StreamOptions) {
    this.tap = options.call.route.adapter.streamTap(options.call.api);
    this.parser = new SseParser((event) => this.tap.onEvent(event));
    this.iterator = options.upstream.body[Symbol.asyncIterator]();
    this.watch = options.cut && new CutWatch(options.cut);
  }

  private settle(status: UsageEvent['status']): Promise<unknown> {
    this.settled ??= this.options.settle(this.tap.report, this.tap.outputText, status).catch(() => undefined);
    return this.settled;
  }

  private async finish(
    status: UsageEvent['status'],
    last: Uint8Array | null = null,
  ): Promise<Uint8Array | null> {
    this.done = true;
    this.parser.end();
    await this.settle(status);
    return last;
  }

  async next(): Promise<Uint8Array | null> {
    const { tap } = this;
    // Read on until a chunk goes out or the stream ends: a chunk holding no whole event (when one
    // is being dropped) sends nothing.
    while (!this.done) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await this.iterator.next();
      } catch {
        // The provider failed mid-stream (or the client left): bill what was delivered, end.
        if (this.done) return null;
        return this.finish(tap.finished ? 'ok' : 'upstream_failed');
      }
      if (this.done) return null;
      if (next.done) {
        const rest = this.pending ? this.encoder.encode(this.pending) : null;
        // An error event (Anthropic's overloaded_error) or a stream cut before its end is a
        // failure, even when part of the usage (the input) arrived.
        const ok = !tap.failed && (tap.finished || isComplete(tap.report));
        return this.finish(ok ? 'ok' : 'upstream_failed', rest);
      }
      const chunk = next.value;
      this.parser.push(chunk);
      const watch = this.watch;
      const closing =
        watch && !tap.finished && watch.exceeded(tap.outputText) && tap.closingEvents(watch.delivered);
      if (closing) {
        // The hold is used up: end the stream as a model at its limit would, stop the provider
        // (destroying the body aborts the upstream request and closes its connection).
        this.options.upstream.body.destroy();
        return this.finish('hold_exhausted', this.encoder.encode(closing));
      }
      if (!this.options.stripUsageChunk) return chunk;
      const split = splitRawEvents(this.pending + this.decoder.decode(chunk, { stream: true }));
      this.pending = split.rest;
      const kept = split.events.filter((raw) => !isUsageOnlyChunk(eventData(raw))).join('');
      if (kept) return this.encoder.encode(kept);
    }
    return null;
  }

  /** The client went away: stop the provider, bill what it generated until now. */
  async cancel(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.options.upstream.body.destroy();
    this.parser.end();
    await this.settle('client_aborted');
  }
}
