import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

export type Encoding = 'o200k_base' | 'cl100k_base';

/**
 * The tiktoken encoding OpenAI uses for a model (as tiktoken's model map says): the GPT-4o,
 * GPT-4.1, GPT-5 and o-series families use o200k_base; GPT-4, GPT-3.5 and the embedding models
 * cl100k_base. Anything else (other providers' models) is estimated with o200k_base.
 */
export function encodingForModel(model: string): Encoding {
  const name = model.toLowerCase();
  if (/^(gpt-3\.5|gpt-4(?!o|\.1|\.5)|text-embedding-|text-davinci|davinci|babbage)/.test(name))
    return 'cl100k_base';
  return 'o200k_base';
}

/**
 * Tokens of a text exactly as tiktoken counts them (special-token strings in user text count as
 * plain text, as OpenAI treats them in chat content).
 */
export function countTokens(text: string, encoding: Encoding = 'o200k_base'): number {
  if (text.length === 0) return 0;
  const options = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };
  return encoding === 'o200k_base' ? countO200k(text, options) : countCl100k(text, options);
}

export interface ChatMessage {
  role: string;
  content: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

/** Text of a message content: a string, or the text parts of an array of parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    return content === null || content === undefined ? '' : JSON.stringify(content);
  let text = '';
  for (const part of content) {
    if (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string')
      text += part.text;
  }
  return text;
}

/**
 * Prompt tokens of a chat request as OpenAI counts them (the cookbook's
 * num_tokens_from_messages): 3 per message, plus its role, content and name (1 more for a
 * name), plus 3 that prime the reply. Tool calls in the history are counted as their JSON.
 */
export function countChatPromptTokens(messages: readonly ChatMessage[], encoding: Encoding): number {
  let tokens = 3;
  for (const message of messages) {
    tokens +=
      3 +
      countTokens(String(message.role ?? ''), encoding) +
      countTokens(contentText(message.content), encoding);
    if (typeof message.name === 'string') tokens += 1 + countTokens(message.name, encoding);
    if (message.tool_calls !== undefined) tokens += countTokens(JSON.stringify(message.tool_calls), encoding);
  }
  return tokens;
}
