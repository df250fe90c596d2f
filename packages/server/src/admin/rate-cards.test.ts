import { adminRoutes } from '@tollgate/contract';
import { costOf } from '@tollgate/domain';
import { Ledger } from '@tollgate/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type GatewayRuntime, setupGateway } from '../gateway/setup.ts';
import { gatewayData } from './deps.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

const TEST_SECRET = 'test-secret-of-32-characters-xx';
const IN_A_DAY_MS = 24 * 60 * 60 * 1000;

describeStores('admin rate cards', (ctx) => {
  let api: AdminClient;
  let runtime: GatewayRuntime;
  beforeAll(async () => {
    runtime = await setupGateway({
      store: ctx.store,
      ledger: new Ledger(ctx.store),
      outbox: ':memory:',
      env: { TOLLGATE_SECRET: TEST_SECRET },
    });
    api = adminClient(ctx.store, {}, runtime);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  /** A model name of this test only, so that tests sharing the database never see each other's cards. */
  const model = (): string => uniqueId('m').toLowerCase();
  const storedCount = async (): Promise<number> => (await gatewayData(ctx.store).listRateCards()).length;

  it('adds a version that the gateway uses from the next call', async () => {
    const created = await api.call('POST', '/rate-cards', {
      body: { provider: 'openai', model: 'gpt-4o-mini', input: 100_000, output: '400000', cached_input: 0 },
    });
    expect(created.status).toBe(201);
    expect(adminRoutes.createRateCard.response.parse(created.body)).toEqual({
      id: expect.stringMatching(/^rc_/),
      object: 'rate_card',
      provider: 'openai',
      model: 'gpt-4o-mini',
      effective_from: expect.any(String),
      input: 100_000,
      output: 400_000,
      cached_input: 0,
      cache_write: null,
      cache_write_1h: null,
      reasoning: null,
      per_request: 0,
      per_image: 0,
      tiers: [],
      source: 'api',
      created_at: expect.any(String),
    });
    const applied = runtime.rateCards.find('openai', 'gpt-4o-mini-2024-07-18', Date.now());
    expect(applied).toMatchObject({
      model: 'gpt-4o-mini',
      input: 100_000n,
      output: 400_000n,
      cachedInput: 0n,
    });

    const listed = await api.call('GET', '/rate-cards?provider=openai&model=gpt-4o-mini-2024-07-18');
    expect(listed.status).toBe(200);
    expect(listed.body.data[0]).toEqual(created.body);
    expect(
      listed.body.data.every((c: { model: string }) => 'gpt-4o-mini-2024-07-18'.startsWith(c.model)),
    ).toBe(true);
  });

  it('lists one version per model (the one in effect) with the built-in catalog', async () => {
    const name = model();
    const body = { provider: 'anthropic', model: name, input: 1_000_000, output: 5_000_000 };
    const first = await api.call('POST', '/rate-cards', { body });
    const second = await api.call('POST', '/rate-cards', { body: { ...body, input: 2_000_000 } });
    const future = new Date(Date.now() + IN_A_DAY_MS).toISOString();
    const scheduled = await api.call('POST', '/rate-cards', {
      body: { ...body, input: 3_000_000, effective_from: future },
    });
    expect([first.status, second.status, scheduled.status]).toEqual([201, 201, 201]);

    const now = await api.call('GET', `/rate-cards?model=${name}`);
    expect(now.body.data).toEqual([second.body]);
    const later = await api.call('GET', `/rate-cards?model=${name}&at=${encodeURIComponent(future)}`);
    expect(later.body.data).toEqual([scheduled.body]);
    expect(runtime.rateCards.find('anthropic', name, Date.parse(future))?.input).toBe(3_000_000n);

    const all = await api.call('GET', '/rate-cards');
    const builtin = all.body.data.filter((c: { source: string }) => c.source === 'builtin');
    expect(builtin.length).toBeGreaterThan(0);
    expect(builtin[0]).toMatchObject({ id: null, created_at: null });
    const keys = all.body.data.map((c: { provider: string; model: string }) => `${c.provider}/${c.model}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([...keys].sort());
  });

  it('prices an added provider, per request included, and a family of models', async () => {
    const provider = uniqueId('vllm').toLowerCase();
    await api.call('POST', '/providers', {
      body: { id: provider, kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1' },
    });
    const created = await api.call('POST', '/rate-cards', {
      body: { provider, model: 'llama-3', input: 0, output: 0, per_request: 1_500 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ input: 0, output: 0, per_request: 1_500 });
    const listed = await api.call('GET', `/rate-cards?provider=${provider}&model=llama-3-8b-instruct`);
    expect(listed.body.data).toEqual([created.body]);
  });

  it('takes 1-hour cache writes, a per-image fee and long-context tiers, and prices by them', async () => {
    const name = model();
    const body = {
      provider: 'anthropic',
      model: name,
      input: 3_000_000,
      output: 15_000_000,
      cache_write: 3_750_000,
      cache_write_1h: '6000000',
      per_image: 40_000,
      tiers: [
        { above_input_tokens: 200_000, input: 6_000_000, output: 22_500_000, cache_write_1h: 12_000_000 },
        { above_input_tokens: 1_000_000, input: 9_000_000, output: 30_000_000 },
      ],
    };
    const created = await api.call('POST', '/rate-cards', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      cache_write_1h: 6_000_000,
      per_image: 40_000,
      tiers: [
        {
          above_input_tokens: 200_000,
          input: 6_000_000,
          output: 22_500_000,
          cached_input: null,
          cache_write: null,
          cache_write_1h: 12_000_000,
          reasoning: null,
        },
        { above_input_tokens: 1_000_000, input: 9_000_000, output: 30_000_000, cache_write_1h: null },
      ],
    });
    expect(adminRoutes.createRateCard.response.parse(created.body)).toEqual(created.body);
    // Read back from the store (what another instance would load), not the runtime's copy.
    const listed = await adminClient(ctx.store).call('GET', `/rate-cards?model=${name}`);
    expect(listed.body.data).toEqual([created.body]);
    const stored = (await gatewayData(ctx.store).listRateCards()).find((c) => c.model === name)!;
    const card = runtime.rateCards.find('anthropic', name, Date.now())!;
    for (const c of [stored, card]) {
      const counts = {
        inputTokens: 300_000,
        outputTokens: 2,
        cachedInputTokens: 0,
        cacheCreationInputTokens: 100_000,
        cacheCreation1hInputTokens: 100_000,
        reasoningTokens: 0,
        images: 2,
      };
      // 200000 × 6 + 100000 × 12 + 2 × 22.5 = 2400045, + 2 × 40000
      expect(costOf(c, counts)).toBe(2_480_045n);
    }
  });

  it('refuses a card for a provider nobody configured', async () => {
    const before = await storedCount();
    const answer = await api.call('POST', '/rate-cards', {
      body: { provider: 'nobody', model: model(), input: 1, output: 1 },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'provider_not_found', param: 'provider' });
    expect(await storedCount()).toBe(before);
  });

  describe('refuses bad input, naming the field, writing nothing', () => {
    it.each([
      [{ input: -1 }, 'parameter_invalid', 'input', /negative/],
      [{ input: '-1' }, 'parameter_invalid', 'input', /negative/],
      [{ output: 1.5 }, 'parameter_invalid', 'output', /whole number/],
      [{ output: '0.5' }, 'parameter_invalid', 'output', /whole number/],
      [{ cached_input: -3 }, 'parameter_invalid', 'cached_input', /negative/],
      [{ reasoning: 2.25 }, 'parameter_invalid', 'reasoning', /whole number/],
      [{ per_request: -1 }, 'parameter_invalid', 'per_request', /negative/],
      [{ cache_write: 9_007_199_254_740_992 }, 'parameter_invalid', 'cache_write', /2\^53/],
      [{ input: undefined }, 'parameter_missing', 'input', /required/],
      [{ model: 'has space' }, 'parameter_invalid', 'model', /model name/],
      [{ provider: 'Open/AI' }, 'parameter_invalid', 'provider', /lower case/],
      [{ effective_from: 'soon' }, 'parameter_invalid', 'effective_from', /ISO 8601/],
      [{ input_rate: 5 }, 'parameter_invalid', 'input_rate', /not a known field/],
      [{ cache_write_1h: -1 }, 'parameter_invalid', 'cache_write_1h', /negative/],
      [{ per_image: 0.5 }, 'parameter_invalid', 'per_image', /whole number/],
      [{ tiers: {} }, 'parameter_invalid', 'tiers', /array/],
      [{ tiers: [{ input: 1, output: 1 }] }, 'parameter_missing', 'tiers.0.above_input_tokens', /required/],
      [
        { tiers: [{ above_input_tokens: 10, input: 1, output: -1 }] },
        'parameter_invalid',
        'tiers.0.output',
        /negative/,
      ],
      [
        { tiers: [{ above_input_tokens: 1.5, input: 1, output: 1 }] },
        'parameter_invalid',
        'tiers.0.above_input_tokens',
        /int/,
      ],
      [
        {
          tiers: [
            { above_input_tokens: 200_000, input: 1, output: 1 },
            { above_input_tokens: 200_000, input: 2, output: 2 },
          ],
        },
        'parameter_invalid',
        'tiers.1.above_input_tokens',
        /strictly increase/,
      ],
      [
        { tiers: [{ above_input_tokens: 5, input: 1, output: 1, per_image: 3 }] },
        'parameter_invalid',
        'tiers.0.per_image',
        /not a known field/,
      ],
    ])('%j → %s %s', async (fields, code, param, message) => {
      const before = await storedCount();
      const body = { provider: 'openai', model: model(), input: 1, output: 1, ...fields };
      const answer = await api.call('POST', '/rate-cards', { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code, param });
      expect(answer.body.error.message).toMatch(message);
      expect(await storedCount()).toBe(before);
    });

    it.each(['at=yesterday', 'provider=Bad!'])('query %s', async (query) => {
      const answer = await api.call('GET', `/rate-cards?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(query.split('=')[0]);
    });
  });

  it('works on the store alone when the process serves no gateway', async () => {
    const bare = adminClient(ctx.store);
    const name = model();
    const created = await bare.call('POST', '/rate-cards', {
      body: { provider: 'openai', model: name, input: 7, output: 8 },
    });
    expect(created.status).toBe(201);
    expect((await bare.call('GET', `/rate-cards?model=${name}`)).body.data).toEqual([created.body]);
  });
});
