import type { StreamTap } from './stream-tap.ts';
import type { UsageReport } from './usage.ts';

/** The APIs the gateway serves, by the caller's format. */
export type Api = 'chat' | 'responses' | 'embeddings' | 'messages' | 'count_tokens';
export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible';

export type JsonObject = Record<string, unknown>;

/**
 * A provider, as pure functions of bytes and parsed JSON: no I/O, no framework types, so the same
 * adapter serves node:http and Web Request/Response runtimes. New providers (Gemini, Cohere,
 * Azure, Bedrock) are new adapters; the gateway's hot path does not change.
 */
export interface ProviderAdapter {
  readonly kind: ProviderKind;
  /** The APIs this provider serves. */
  readonly apis: ReadonlySet<Api>;
  /** Upstream URL for an API, from the provider's base_url (its API root as its SDK takes it). */
  url(baseUrl: string, api: Api): string;
  /** Upstream headers: the provider's key, and the caller's headers the provider understands. */
  headers(apiKey: string, incoming: (name: string) => string | undefined): Record<string, string>;
  /**
   * The body to send: the caller's, with the model name the provider knows, and for streams
   * whatever makes the provider report usage. `strip` says the client did not ask for that report.
   * A request that goes upstream as it came is returned as the same object (no copy).
   */
  prepare(api: Api, body: JsonObject, model: string): { body: JsonObject; stripUsageChunk: boolean };
  /** Usage in a complete (non-streaming) response body, or null if absent or malformed. */
  usage(api: Api, body: JsonObject): UsageReport | null;
  streamTap(api: Api): StreamTap;
  /** Prompt tokens counted locally, and whether the count is exact (the provider's own tokenizer). */
  countInput(api: Api, body: JsonObject, model: string): { tokens: number; exact: boolean };
  /** Output tokens of generated text, counted locally. */
  countOutput(text: string, model: string): { tokens: number; exact: boolean };
  /** Output text of a complete response, for counting when its usage is missing. */
  outputText(api: Api, body: JsonObject): string;
  /** The output ceiling the caller set, if any. */
  maxOutputTokens(api: Api, body: JsonObject): number | null;
}

export const isStreaming = (body: JsonObject): boolean => body.stream === true;
