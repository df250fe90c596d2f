import { readFileSync } from 'node:fs';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChatMessage, countChatPromptTokens, countTokens, type Encoding } from './tokens.ts';

/**
 * Local counts bill streams whose usage never arrived, so they must be tiktoken's to the token:
 * checked against tiktoken itself on a deterministic corpus, and against OpenAI's reported
 * prompt_tokens for the recorded conversations.
 */

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXED: string[] = [
  '',
  ' ',
  '\n',
  '\t',
  '   \t\n\n   ',
  '\r\n\r\n',
  'hello world',
  'Hello, World!',
  "It's a test—isn't it? «Oui», he said… “quoted”",
  '12345678901234567890123456789012345678901234567890',
  '3.14159265358979323846264338327950288419716939937510',
  '1,000,000.00 USD; -42; +7e10; 0x1F; 0b1010; 1_000_000',
  '你好，世界。今天天气很好，我们去公园散步吧。',
  'こんにちは世界、カタカナとひらがなと漢字。',
  '안녕하세요 세계, 반갑습니다.',
  'مرحبا بالعالم، كيف حالك؟',
  'नमस्ते दुनिया, आप कैसे हैं?',
  'สวัสดีชาวโลก',
  'Привет, мир! Ёжик в тумане.',
  'Γειά σου Κόσμε· ἀρχή',
  'עברית עם ניקוד: שָׁלוֹם',
  'Ünïcödé çömbïnïng: e\u0301 a\u0308 o\u0302 n\u0303',
  '👨‍👩‍👧‍👦 family, 👩🏽‍💻 coder, 🏳️‍🌈 flag, 🇫🇷🇯🇵🇺🇸 flags, 👍🏿👍🏻',
  '😀😃😄😁😆😅🤣😂🙂🙃🫠😉😊😇🥰😍🤩😘',
  '❤️‍🔥 ❤️‍🩹 🧑‍🤝‍🧑 🐻‍❄️ 🏴‍☠️',
  '<|endoftext|>',
  'before <|endoftext|> after',
  '<|im_start|>user\nhi<|im_end|>',
  '<|fim_prefix|>def f(<|fim_suffix|>)<|fim_middle|>',
  '<|endofprompt|><|startoftext|>',
  '<|not_a_token|> <| endoftext |>',
  'function add(a: number, b: number): number {\n  return a + b;\n}\n',
  "SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL '7 days' ORDER BY id;",
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"stream":true}',
  '<div class="a"><span>x &amp; y</span></div>',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }',
  'https://example.com/path?query=1&x=%20y#frag',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '                                                                                ',
  '\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n',
  '!!!???...,,,;;;:::---___===+++***',
  'The quick brown fox jumps over the lazy dog.',
  "I'm you're he'll she'd we've they're IT'S DON'T",
  'tab\tseparated\tvalues\tand\u00a0non-breaking\u2003spaces\u200bzero-width',
  '\u0000\u0001\u0007\u001b[31mred\u001b[0m',
  'mixed 中文 and English with 数字123 and emoji 🎉',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝒮𝒸𝓇𝒾𝓅𝓉 ∑∫∂√∞≠≈',
  '🀄🃏🎴 ⌚⌛ ☀️☁️☂️ ♈♉♊',
];

const WORDS = [
  'the',
  'billing',
  'gateway',
  ' token',
  'Tollgate',
  'wallet',
  'hold',
  'capture',
  '漢字',
  'テスト',
  '데이터',
  'ñandú',
  'über',
  'façade',
  '👋',
  '🧑‍🚀',
  '🇩🇪',
  '<|endoftext|>',
  '<|im_start|>',
  '{',
  '}',
  '()',
  '=>',
  '::',
  '0',
  '42',
  '2026',
  '999999999999',
  '3.5',
  'x'.repeat(17),
  '\t',
  '\n',
  '  ',
  '\r\n',
  'Ω',
  'µs',
  '—',
  '…',
  'camelCaseIdentifier',
  'snake_case_name',
  'SCREAMING_CASE',
  'kebab-case-word',
  'https://x.io',
  '@user',
  '#tag',
];
const SEPARATORS = ['', ' ', '  ', '\n', '\t', ', ', '. ', ' \n ', '    '];

function corpus(size: number): string[] {
  const random = prng(20_261_128);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const texts = [...FIXED];
  while (texts.length < size) {
    const shape = random();
    if (shape < 0.6) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(WORDS));
      texts.push(parts.map((p) => p + pick(SEPARATORS)).join(''));
    } else if (shape < 0.7) {
      texts.push(
        Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 10)).join(''),
      );
    } else if (shape < 0.8) {
      texts.push(pick([' ', '\n', '\t', ' \n']).repeat(1 + Math.floor(random() * 30)) + pick(WORDS));
    } else if (shape < 0.9) {
      // Random code points from several planes (no lone surrogates: they are not text).
      const ranges: [number, number][] = [
        [0x20, 0x7e],
        [0xa0, 0x24f],
        [0x4e00, 0x9fff],
        [0x3040, 0x30ff],
        [0x1f300, 0x1faff],
      ];
      let text = '';
      for (let i = 0; i < 1 + Math.floor(random() * 20); i++) {
        const [lo, hi] = pick(ranges);
        text += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
      }
      texts.push(text);
    } else {
      texts.push(`${pick(FIXED)}${pick(SEPARATORS)}${pick(FIXED)}`);
    }
  }
  return texts;
}

describe('countTokens equals tiktoken', () => {
  const encoders = new Map<Encoding, Tiktoken>();
  const tiktoken = (encoding: Encoding): Tiktoken => {
    let encoder = encoders.get(encoding);
    if (!encoder) {
      encoder = get_encoding(encoding);
      encoders.set(encoding, encoder);
    }
    return encoder;
  };
  afterAll(() => {
    for (const encoder of encoders.values()) encoder.free();
  });

  const texts = corpus(300);

  it('has a corpus of at least 200 distinct strings', () => {
    expect(new Set(texts).size).toBeGreaterThanOrEqual(200);
  });

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`on every string of the corpus (${encoding}; special-token strings count as text)`, () => {
      const mismatches: { text: string; ours: number; tiktoken: number }[] = [];
      for (const text of texts) {
        const ours = countTokens(text, encoding);
        // allowed_special = [] and disallowed_special = []: special-token strings are plain text.
        const reference = tiktoken(encoding).encode(text, [], []).length;
        if (ours !== reference) mismatches.push({ text, ours, tiktoken: reference });
      }
      expect(mismatches).toEqual([]);
    });
  }
});

describe('countChatPromptTokens equals what OpenAI reported', () => {
  const index = JSON.parse(readFileSync(new URL('../fixtures/INDEX.json', import.meta.url), 'utf8')) as {
    fixtures: { file: string; request: { body: { messages?: ChatMessage[] } } }[];
  };
  const messagesOf = (file: string): ChatMessage[] =>
    index.fixtures.find((f) => f.file === file)!.request.body.messages!;

  it.each([
    ['openai_chat_nonstream.json', 27],
    ['openai_chat_stream_include_usage.sse', 12],
    ['openai_chat_stream_no_usage.sse', 15],
  ])('%s → %i prompt tokens', (file, expected) => {
    expect(countChatPromptTokens(messagesOf(file), 'o200k_base')).toBe(expected);
  });

  it('counts the reference completion of the no-usage stream as OpenAI would (11)', () => {
    expect(countTokens('"Good morning" in Spanish is "Buenos días."', 'o200k_base')).toBe(11);
  });
});
