import { describe, expect, it } from 'vitest';
import { anthropicAdapter } from './anthropic/adapter.ts';
import { openAiAdapter } from './openai/adapter.ts';

/** What goes upstream: the caller's request, changed only where the gateway must change it. */
describe('prepare', () => {
  const openai = openAiAdapter();
  const messages = [{ role: 'user', content: 'hi' }];

  it('returns the same object when nothing changes (no copy)', () => {
    const body = { model: 'gpt-4o-mini', messages };
    expect(openai.prepare('chat', body, 'gpt-4o-mini')).toEqual({ body, stripUsageChunk: false });
    expect(openai.prepare('chat', body, 'gpt-4o-mini').body).toBe(body);
    const streamed = {
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    };
    expect(openai.prepare('chat', streamed, 'gpt-4o-mini').body).toBe(streamed);
    const claude = { model: 'claude-sonnet-4-5', max_tokens: 10, messages };
    expect(anthropicAdapter().prepare('messages', claude, 'claude-sonnet-4-5').body).toBe(claude);
  });

  it('names the upstream model, and asks a stream for its usage (hidden from a caller who did not)', () => {
    const routed = openai.prepare('chat', { model: 'vllm/llama', messages }, 'llama');
    expect(routed).toEqual({ body: { model: 'llama', messages }, stripUsageChunk: false });
    const stream = openai.prepare('chat', { model: 'gpt-4o', messages, stream: true }, 'gpt-4o');
    expect(stream).toEqual({
      body: { model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } },
      stripUsageChunk: true,
    });
    const claude = anthropicAdapter().prepare('messages', { model: 'anthropic/claude', messages }, 'claude');
    expect(claude.body).toEqual({ model: 'claude', messages });
  });
});
