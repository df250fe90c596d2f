import { describe, expect, it } from 'vitest';
import { type SseMessage, sseParser } from './sse.ts';

describe('sseParser', () => {
  it('splits events across chunks, joins data lines, skips comments, accepts CRLF', () => {
    const got: SseMessage[] = [];
    const parser = sseParser((m) => got.push(m));
    for (const chunk of ['event: snap', 'shot\ndata: {"a":\ndata: 1}\n', '\n: ping\n\n', 'data: x\r\n\r\n'])
      parser.push(chunk);
    expect(got).toEqual([
      { event: 'snapshot', data: '{"a":\n1}' },
      { event: 'message', data: 'x' },
    ]);
  });
});
