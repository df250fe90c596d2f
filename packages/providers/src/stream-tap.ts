import type { SseEvent } from './sse.ts';
import type { UsageReport } from './usage.ts';

/**
 * Watches a stream pass through: keeps the usage the provider reported (possibly partial) and the
 * text generated so far, so that a stream cut short can still be counted. Never changes a byte.
 */
export interface StreamTap {
  onEvent(event: SseEvent): void;
  readonly report: UsageReport | null;
  /** Everything generated so far that costs output tokens: text, tool arguments, reasoning. */
  readonly outputText: string;
  readonly model: string | null;
  /** The provider sent an error event. */
  readonly failed: boolean;
  /** The provider said the stream is complete ([DONE], message_stop, response.completed). */
  readonly finished: boolean;
  /**
   * Events that end the stream cleanly here, as if the model had hit its output limit (for a
   * stream Tollgate stops when its hold is used up); null when the format has none.
   */
  closingEvents(outputTokens: number): string | null;
}

export function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const asRecord = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export const asString = (value: unknown): string => (typeof value === 'string' ? value : '');
