import type { Api, ProviderAdapter } from '../adapter.ts';
import { asRecord, asString } from '../stream-tap.ts';
import { contentText, countTokens } from '../tokens.ts';
import { MessagesStreamTap } from './stream.ts';
import { messagesUsageReport } from './usage.ts';

const ANTHROPIC_VERSION = '2023-06-01';
const FORWARDED = ['anthropic-version', 'anthropic-beta', 'user-agent'];

/**
 * Claude's tokenizer is not public: Tollgate counts with o200k_base and scales by this factor,
 * which over-counts English and code a little (documented in docs/gateway.md). Counts made this
 * way mark the usage event `estimated`.
 */
export const ANTHROPIC_ESTIMATE_FACTOR = 1.15;

const estimate = (text: string): number => Math.ceil(countTokens(text) * ANTHROPIC_ESTIMATE_FACTOR);

function messagesText(body: Record<string, unknown>): string {
  let text = typeof body.system === 'string' ? body.system : contentText(body.system);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    const record = asRecord(message);
    if (!record) continue;
    text += asString(record.role);
    if (Array.isArray(record.content)) {
      for (const part of record.content) {
        const p = asRecord(part);
        text +=
          asString(p?.text) +
          (p?.input === undefined ? '' : JSON.stringify(p.input)) +
          contentText(p?.content);
      }
    } else {
      text += contentText(record.content);
    }
  }
  if (body.tools !== undefined) text += JSON.stringify(body.tools);
  return text;
}

export function anthropicAdapter(): ProviderAdapter {
  return {
    kind: 'anthropic',
    apis: new Set<Api>(['messages', 'count_tokens']),
    url: (baseUrl, api) =>
      `${baseUrl.replace(/\/+$/, '')}${api === 'count_tokens' ? '/v1/messages/count_tokens' : '/v1/messages'}`,
    headers(apiKey, incoming) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'anthropic-version': ANTHROPIC_VERSION,
      };
      if (apiKey) headers['x-api-key'] = apiKey;
      for (const name of FORWARDED) {
        const value = incoming(name);
        if (value !== undefined) headers[name] = value;
      }
      return headers;
    },
    prepare: (_api, body, model) => ({
      body: body.model === model ? body : { ...body, model },
      stripUsageChunk: false,
    }),
    usage: (_api, body) => messagesUsageReport(body.usage),
    streamTap: () => new MessagesStreamTap(),
    countInput: (_api, body) => ({ tokens: estimate(messagesText(body)) + 8, exact: false }),
    countOutput: (text) => ({ tokens: estimate(text), exact: false }),
    outputText(_api, body) {
      const content = Array.isArray(body.content) ? body.content : [];
      return content
        .map((part) => {
          const p = asRecord(part);
          return (
            asString(p?.text) +
            asString(p?.thinking) +
            (p?.input === undefined ? '' : JSON.stringify(p.input))
          );
        })
        .join('');
    },
    maxOutputTokens: (api, body) =>
      api === 'count_tokens'
        ? 0
        : typeof body.max_tokens === 'number' && body.max_tokens > 0
          ? body.max_tokens
          : null,
  };
}
