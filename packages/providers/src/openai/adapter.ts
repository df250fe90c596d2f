import type { Api, JsonObject, ProviderAdapter, ProviderKind } from '../adapter.ts';
import { asRecord, asString } from '../stream-tap.ts';
import {
  type ChatMessage,
  contentText,
  countChatPromptTokens,
  countTokens,
  encodingForModel,
} from '../tokens.ts';
import { ChatStreamTap, ResponsesStreamTap } from './stream.ts';
import { chatUsageReport, responsesUsageReport } from './usage.ts';

const PATHS: Partial<Record<Api, string>> = {
  chat: '/chat/completions',
  responses: '/responses',
  embeddings: '/embeddings',
};

/** Headers an OpenAI-compatible upstream may use; everything else (cookies, our own) stays here. */
const FORWARDED = ['openai-organization', 'openai-project', 'openai-beta', 'user-agent', 'x-stainless-lang'];

const positiveInt = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;

/** Text of the Responses API `input`: a string, or messages with string or part contents. */
function responsesInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  let text = '';
  for (const item of input) {
    const record = asRecord(item);
    if (!record) continue;
    text +=
      asString(record.role) +
      contentText(record.content) +
      asString(record.output) +
      asString(record.arguments);
  }
  return text;
}

function embeddingsInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) return input.map((i) => (typeof i === 'string' ? i : '')).join('');
  return '';
}

/** OpenAI, and every server that speaks its API (vLLM, Ollama, Together, Azure's v1 API …). */
export function openAiAdapter(kind: ProviderKind = 'openai'): ProviderAdapter {
  return {
    kind,
    apis: new Set<Api>(['chat', 'responses', 'embeddings']),
    url: (baseUrl, api) => `${baseUrl.replace(/\/+$/, '')}${PATHS[api] ?? ''}`,
    headers(apiKey, incoming) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      for (const name of FORWARDED) {
        const value = incoming(name);
        if (value !== undefined) headers[name] = value;
      }
      return headers;
    },
    prepare(api, body, model) {
      const options = asRecord(body.stream_options) ?? {};
      // Ask for usage so a stream is never billed on a guess; hide the extra chunk from the client.
      const askUsage = api === 'chat' && body.stream === true && options.include_usage !== true;
      if (!askUsage && body.model === model) return { body, stripUsageChunk: false };
      const prepared: JsonObject = { ...body, model };
      if (askUsage) prepared.stream_options = { ...options, include_usage: true };
      return { body: prepared, stripUsageChunk: askUsage };
    },
    usage(api, body) {
      if (api === 'responses') return responsesUsageReport(body.usage);
      return chatUsageReport(body.usage, api === 'embeddings');
    },
    streamTap: (api) => (api === 'responses' ? new ResponsesStreamTap() : new ChatStreamTap()),
    countInput(api, body, model) {
      const encoding = encodingForModel(model);
      const exact = kind !== 'openai-compatible';
      if (api === 'chat') {
        const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
        let tokens = countChatPromptTokens(messages, encoding);
        if (body.tools !== undefined) tokens += countTokens(JSON.stringify(body.tools), encoding);
        return { tokens, exact: exact && body.tools === undefined };
      }
      if (api === 'embeddings')
        return { tokens: countTokens(embeddingsInputText(body.input), encoding), exact };
      const text = asString(body.instructions) + responsesInputText(body.input);
      return { tokens: countTokens(text, encoding) + 3, exact: false };
    },
    countOutput: (text, model) => ({
      tokens: countTokens(text, encodingForModel(model)),
      exact: kind !== 'openai-compatible',
    }),
    outputText(api, body) {
      if (api === 'responses') {
        const output = Array.isArray(body.output) ? body.output : [];
        return output
          .map((item) => {
            const record = asRecord(item);
            return contentText(record?.content) + asString(record?.arguments);
          })
          .join('');
      }
      const choices = Array.isArray(body.choices) ? body.choices : [];
      return choices
        .map((choice) => {
          const message = asRecord(asRecord(choice)?.message);
          return contentText(message?.content) + asString(message?.refusal);
        })
        .join('');
    },
    maxOutputTokens(api, body) {
      if (api === 'embeddings') return 0;
      if (api === 'responses') return positiveInt(body.max_output_tokens);
      return positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
    },
  };
}
