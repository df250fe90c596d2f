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
