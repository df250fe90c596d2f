import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function folderWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

describe('tollgate.config', () => {
  it('reads providers (key from the environment) and rate cards from YAML', () => {
    const dir = folderWith(
      'tollgate.config.yaml',
      `providers:
  - id: vllm
    kind: openai-compatible
    base_url: http://gpu-1:8000/v1
    api_key_env: VLLM_KEY
rate_cards:
  - provider: vllm
    model: meta-llama/Llama-3.1-8B-Instruct
    input: 100000
    output: "200000"
`,
    );
    const config = loadConfig({ VLLM_KEY: 'secret-1' }, dir);
    expect(config.providers).toEqual([
      { id: 'vllm', kind: 'openai-compatible', baseUrl: 'http://gpu-1:8000/v1', apiKey: 'secret-1' },
    ]);
    expect(config.rateCards[0]).toMatchObject({
      provider: 'vllm',
      input: 100_000n,
      output: 200_000n,
      perRequest: 0n,
    });
  });

  it('reads JSON, and TOLLGATE_CONFIG names the file', () => {
    const dir = folderWith(
      'custom.json',
      JSON.stringify({ rate_cards: [{ provider: 'openai', model: 'gpt-x', input: 1, output: 2 }] }),
    );
    expect(loadConfig({ TOLLGATE_CONFIG: 'custom.json' }, dir).rateCards).toHaveLength(1);
  });

  it('no file is no configuration', () => {
    expect(loadConfig({}, mkdtempSync(join(tmpdir(), 'tollgate-empty-')))).toEqual({
      path: null,
      providers: [],
      rateCards: [],
    });
  });

  it.each([
    [
      'a negative rate',
      'rate_cards:\n  - {provider: openai, model: m, input: -1, output: 1}\n',
      'rate_cards.0.input',
    ],
    [
      'a fractional rate',
      'rate_cards:\n  - {provider: openai, model: m, input: 1.5, output: 1}\n',
      'rate_cards.0.input',
    ],
    ['an unknown kind', 'providers:\n  - {id: x, kind: gemini, base_url: "http://x"}\n', 'providers.0.kind'],
    [
      'an unset key variable',
      'providers:\n  - {id: x, kind: openai, base_url: "http://x/v1", api_key_env: NOPE}\n',
      'NOPE',
    ],
    ['an unknown field', 'routes: []\n', 'routes'],
  ])('refuses %s, naming it', (_what, text, named) => {
    const dir = folderWith('tollgate.config.yaml', text);
    expect(() => loadConfig({}, dir)).toThrow(ConfigError);
    expect(() => loadConfig({}, dir)).toThrow(named);
  });
});
