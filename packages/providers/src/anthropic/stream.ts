import type { SseEvent } from '../sse.ts';
import { asRecord, asString, parseJson, type StreamTap } from '../stream-tap.ts';
import type { UsageReport } from '../usage.ts';
import { messagesUsageReport } from './usage.ts';

/**
 * Messages stream: message_start carries the input usage (and a provisional output count that is
 * not final), message_delta the cumulative output. A stream that ends before its last
 * message_delta has a known input and an unknown output.
 */
export class MessagesStreamTap implements StreamTap {
  report: UsageReport | null = null;
  outputText = '';
  model: string | null = null;
  failed = false;
  finished = false;
  private openBlock: number | null = null;

  /** Closes the open content block, then stop_reason max_tokens and message_stop. */
  closingEvents(outputTokens: number): string {
    let events = '';
    if (this.openBlock !== null) {
      events += sse('content_block_stop', { type: 'content_block_stop', index: this.openBlock });
    }
    events += sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { output_tokens: outputTokens },
    });
    return events + sse('message_stop', { type: 'message_stop' });
  }

  onEvent(event: SseEvent): void {
    const payload = parseJson(event.data);
    if (!payload) return;
    switch (asString(payload.type) || event.event) {
      case 'message_start': {
        const message = asRecord(payload.message);
        if (typeof message?.model === 'string') this.model = message.model;
        const report = messagesUsageReport(message?.usage);
        this.report = report && { ...report, outputTokens: null };
        break;
      }
      case 'content_block_start':
        this.openBlock = typeof payload.index === 'number' ? payload.index : 0;
        break;
      case 'content_block_stop':
        this.openBlock = null;
        break;
      case 'content_block_delta': {
        const delta = asRecord(payload.delta);
        if (delta)
          this.outputText += asString(delta.text) + asString(delta.partial_json) + asString(delta.thinking);
        break;
      }
      case 'message_delta':
        this.report = messagesUsageReport(payload.usage, this.report);
        break;
      case 'message_stop':
        this.finished = true;
        break;
      case 'error':
        this.failed = true;
        break;
    }
  }
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
