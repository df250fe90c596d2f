/** One Server-Sent Event: its name and its data lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Splits a text stream into Server-Sent Events (WHATWG rules: blank line ends an event, `:`
 * lines are comments, `data:` lines join with newlines). Feed it chunks; it calls `onMessage`.
 *
 * @example
 * const parser = sseParser((m) => console.log(m.event, m.data));
 * parser.push('event: balance\ndata: {"a":1}\n\n');
 */
export function sseParser(onMessage: (message: SseMessage) => void): { push(chunk: string): void } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  return {
    push(chunk: string) {
      buffer += chunk;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const text of lines) line(text);
    },
  };
}
