import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessagesStreamTap } from './anthropic/stream.ts';
import { messagesUsageReport } from './anthropic/usage.ts';
import { ChatStreamTap, ResponsesStreamTap } from './openai/stream.ts';
import { chatUsageReport, responsesUsageReport } from './openai/usage.ts';
import { SseParser } from './sse.ts';
import type { StreamTap } from './stream-tap.ts';
import { countChatPromptTokens, countTokens } from './tokens.ts';
import type { UsageReport } from './usage.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

interface Fixture {
  file: string;
  api: string;
  streaming: boolean;
  http_status: number;
  usage_present: boolean | 'partial';
  expected_usage: Record<string, number | null> | null;
  request: { body: { messages?: { role: string; content: string }[] } };
  reference_counts?: { prompt_tokens: number; completion_tokens: number; completion_text: string };
}

const index = JSON.parse(readFileSync(join(FIXTURES, 'INDEX.json'), 'utf8')) as { fixtures: Fixture[] };
const OPENAI_CHAT = new Set([
  'openai.chat.completions',
  'azure.openai.chat',
  'ollama.openai-compat',
  'vllm.openai-compat',
]);

function tapFor(api: string): StreamTap | null {
  if (OPENAI_CHAT.has(api)) return new ChatStreamTap();
  if (api === 'openai.responses') return new ResponsesStreamTap();
  if (api === 'anthropic.messages') return new MessagesStreamTap();
  return null;
}

function bodyReport(api: string, body: Record<string, unknown>): UsageReport | null {
  if (OPENAI_CHAT.has(api)) return chatUsageReport(body.usage);
  if (api === 'openai.embeddings') return chatUsageReport(body.usage, true);
  if (api === 'openai.responses') return responsesUsageReport(body.usage);
  if (api === 'anthropic.messages') return messagesUsageReport(body.usage);
  throw new Error(`no extractor for ${api}`);
}

/** Feeds a file to the parser in small uneven chunks, as a network would. */
function replay(bytes: Uint8Array, tap: StreamTap): void {
  const parser = new SseParser((event) => tap.onEvent(event));
  for (let i = 0; i < bytes.length; i += 7) parser.push(bytes.subarray(i, i + 7));
  parser.end();
}

const toExpected = (r: UsageReport | null) =>
  r && {
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cached_input_tokens: r.cachedInputTokens,
    cache_creation_input_tokens: r.cacheCreationInputTokens,
    reasoning_tokens: r.reasoningTokens,
  };

describe('usage extraction from recorded provider responses', () => {
  const supported = index.fixtures.filter((f) => tapFor(f.api) || f.api === 'openai.embeddings');
  it.each(supported.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    const bytes = readFileSync(join(FIXTURES, fixture.file));
    let report: UsageReport | null;
    if (fixture.streaming) {
      const tap = tapFor(fixture.api)!;
      replay(bytes, tap);
      report = tap.report;
    } else {
      report =
        fixture.http_status === 200 ? bodyReport(fixture.api, JSON.parse(bytes.toString('utf8'))) : null;
    }
    if (fixture.expected_usage === null) expect(report).toBeNull();
    else expect(toExpected(report)).toEqual(fixture.expected_usage);
  });

  it('counts a stream without usage as OpenAI would have reported it', () => {
    const fixture = index.fixtures.find((f) => f.file === 'openai_chat_stream_no_usage.sse')!;
    const tap = new ChatStreamTap();
    replay(readFileSync(join(FIXTURES, fixture.file)), tap);
    expect(tap.outputText).toBe(fixture.reference_counts!.completion_text);
    expect(countTokens(tap.outputText)).toBe(fixture.reference_counts!.completion_tokens);
    expect(countChatPromptTokens(fixture.request.body.messages!, 'o200k_base')).toBe(
      fixture.reference_counts!.prompt_tokens,
    );
  });

  it('never reads missing or malformed usage as zero', () => {
    expect(chatUsageReport(undefined)).toBeNull();
    expect(chatUsageReport({ prompt_tokens: '12' })).toBeNull();
    expect(chatUsageReport({ prompt_tokens: 12 })).toMatchObject({ inputTokens: 12, outputTokens: null });
    expect(responsesUsageReport({ input_tokens: -1, output_tokens: 3 })).toBeNull();
  });
});

describe('Anthropic 1-hour cache writes', () => {
  const anthropic = index.fixtures.filter((f) => f.api === 'anthropic.messages' && f.expected_usage);
  it.each(anthropic.map((f) => [f.file, f] as const))(
    '%s carries the 1-hour part (0 here)',
    (_f, fixture) => {
      const bytes = readFileSync(join(FIXTURES, fixture.file));
      let report: UsageReport | null;
      if (fixture.streaming) {
        const tap = new MessagesStreamTap();
        replay(bytes, tap);
        report = tap.report;
      } else {
        report = messagesUsageReport(JSON.parse(bytes.toString('utf8')).usage);
      }
      expect(report?.cacheCreation1hInputTokens).toBe(0);
    },
  );

  it('splits the writes by lifetime, the 1-hour part inside the writes', () => {
    const file = 'anthropic_messages_nonstream_prompt_cache.json';
    const body = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    const writes = body.usage.cache_creation_input_tokens as number;
    const oneHour = Math.floor(writes / 3);
    const usage = {
      ...body.usage,
      cache_creation: { ephemeral_5m_input_tokens: writes - oneHour, ephemeral_1h_input_tokens: oneHour },
    };
    expect(messagesUsageReport(usage)).toMatchObject({
      cacheCreationInputTokens: writes,
      cacheCreation1hInputTokens: oneHour,
    });
  });

  it('keeps the split a part of the writes, and defaults it to 0', () => {
    const base = { input_tokens: 5, output_tokens: 1, cache_creation_input_tokens: 10 };
    expect(messagesUsageReport(base)?.cacheCreation1hInputTokens).toBe(0);
    const over = { ...base, cache_creation: { ephemeral_1h_input_tokens: 50 } };
    expect(messagesUsageReport(over)?.cacheCreation1hInputTokens).toBe(10);
    // message_delta leaves the split out: what message_start said stands.
    const start = messagesUsageReport({ ...base, cache_creation: { ephemeral_1h_input_tokens: 4 } });
    expect(messagesUsageReport({ output_tokens: 9 }, start)).toMatchObject({
      outputTokens: 9,
      cacheCreation1hInputTokens: 4,
    });
  });
});

describe('SseParser', () => {
  it('parses LF, CRLF and CR framing split anywhere, with comments and multi-line data', () => {
    const text =
      ': comment\nevent: a\ndata: 1\ndata: 2\n\ndata: x\r\n\r\ndata: y\r\rdata: tail-without-blank-line';
    const events: { event: string | null; data: string }[] = [];
    const parser = new SseParser((e) => events.push(e));
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i++) parser.push(bytes.subarray(i, i + 1));
    parser.end();
    expect(events).toEqual([
      { event: 'a', data: '1\n2' },
      { event: null, data: 'x' },
      { event: null, data: 'y' },
    ]);
  });
});
