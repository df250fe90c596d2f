import type { SseEvent } from '../sse.ts';
import { asRecord, asString, parseJson, type StreamTap } from '../stream-tap.ts';
import type { UsageReport } from '../usage.ts';
import { chatUsageReport, responsesUsageReport } from './usage.ts';

/** Chat Completions stream: `data: {chunk}` … `data: [DONE]`; usage in a final chunk when asked. */
export class ChatStreamTap implements StreamTap {
  report: UsageReport | null = null;
  outputText = '';
  model: string | null = null;
  failed = false;
  finished = false;
  private id: unknown = null;
  private created: unknown = null;
  private choices = new Set<number>();

  /** A last chunk per choice with finish_reason `length`, then [DONE]: what a model at max_tokens sends. */
  closingEvents(): string {
    const indexes = this.choices.size > 0 ? [...this.choices] : [0];
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: indexes.map((index) => ({ index, delta: {}, logprobs: null, finish_reason: 'length' })),
    };
    return `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`;
  }

  onEvent(event: SseEvent): void {
    if (event.data === '[DONE]') {
      this.finished = true;
      return;
    }
    const chunk = parseJson(event.data);
    if (!chunk) return;
    if (chunk.error) this.failed = true;
    if (typeof chunk.model === 'string') this.model = chunk.model;
    this.id ??= chunk.id ?? null;
    this.created ??= chunk.created ?? null;
    if (chunk.usage) this.report = chatUsageReport(chunk.usage) ?? this.report;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      const index = asRecord(choice)?.index;
      if (typeof index === 'number') this.choices.add(index);
      const delta = asRecord(asRecord(choice)?.delta);
      if (!delta) continue;
      this.outputText +=
        asString(delta.content) + asString(delta.refusal) + asString(delta.reasoning_content);
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const fn = asRecord(asRecord(call)?.function);
          if (fn) this.outputText += asString(fn.name) + asString(fn.arguments);
        }
      }
    }
  }
}

/** The chunk a client did not ask for: usage only, no choices (sent because Tollgate asked). */
export function isUsageOnlyChunk(data: string): boolean {
  const chunk = parseJson(data);
  return chunk !== null && Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
}

/** Responses stream: typed events; usage on response.completed (or .incomplete / .failed). */
export class ResponsesStreamTap implements StreamTap {
  report: UsageReport | null = null;
  outputText = '';
  model: string | null = null;
  failed = false;
  finished = false;

  /** A clean end needs the whole response object (response.incomplete): not synthesized. */
  closingEvents(): null {
    return null;
  }

  onEvent(event: SseEvent): void {
    const payload = parseJson(event.data);
    if (!payload) return;
    const type = asString(payload.type) || event.event || '';
    if (type.endsWith('.delta')) {
      // output_text, refusal, function_call_arguments, reasoning_summary_text …
      this.outputText += asString(payload.delta);
      return;
    }
    const response = asRecord(payload.response);
    if (response) {
      if (typeof response.model === 'string') this.model = response.model;
      if (response.usage) this.report = responsesUsageReport(response.usage) ?? this.report;
    }
    if (type === 'response.completed' || type === 'response.incomplete') this.finished = true;
    if (type === 'response.failed' || type === 'error') this.failed = true;
  }
}
