import { adminRoutes } from '@tollgate/contract';
import { Ledger } from '@tollgate/storage';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type GatewayRuntime, setupGateway } from '../gateway/setup.ts';
import { SecretBox } from '../secrets.ts';
import { gatewayData } from './deps.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

const TEST_SECRET = 'test-secret-of-32-characters-xx';
const PROVIDER_KEY = 'sk-provider-secret-123456789';

/** A provider id that is valid for the contract (lower case). */
const providerId = (): string => uniqueId('p').toLowerCase();

describeStores('admin providers', (ctx) => {
  let api: AdminClient;
  let runtime: GatewayRuntime;
  let logged: string[];
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
  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
  });
  afterEach(() => {
    // No secret may reach a log line, whatever the test did.
    expect(logged.join('\n')).not.toContain(PROVIDER_KEY);
    vi.restoreAllMocks();
  });

  async function storedProvider(id: string) {
    return (await gatewayData(ctx.store).listProviders()).find((p) => p.id === id);
  }

  it('adds a provider with its key sealed, applies it to the gateway and never shows the key', async () => {
    const id = providerId();
    const created = await api.call('POST', '/providers', {
      body: { id, kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1/', api_key: PROVIDER_KEY },
    });
    expect(created.status).toBe(201);
    expect(adminRoutes.createProvider.response.parse(created.body)).toEqual({
      id,
      object: 'provider',
      kind: 'openai-compatible',
      base_url: 'http://gpu-1:8000/v1',
      has_api_key: true,
      source: 'api',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(created.text).not.toContain(PROVIDER_KEY);

    const row = await storedProvider(id);
    expect(row?.apiKeyCiphertext).toBeTruthy();
    expect(row?.apiKeyCiphertext).not.toContain(PROVIDER_KEY);
    expect(new SecretBox(TEST_SECRET).open(row!.apiKeyCiphertext!)).toBe(PROVIDER_KEY);
    expect(runtime.providers.map().get(id)).toMatchObject({
      baseUrl: 'http://gpu-1:8000/v1',
      apiKey: PROVIDER_KEY,
    });

    const listed = await api.call('GET', '/providers');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(PROVIDER_KEY);
    const ids = listed.body.data.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['anthropic', 'openai', id]));
    expect(ids).toEqual([...ids].sort());
    expect(listed.body.data.find((p: { id: string }) => p.id === 'openai')).toMatchObject({
      kind: 'openai',
      source: 'builtin',
      base_url: 'https://api.openai.com/v1',
      created_at: null,
    });
    expect(listed.body.data.find((p: { id: string }) => p.id === id)).toEqual(created.body);
  });

  it('replaces a provider of the same id, keeping its creation time', async () => {
    const id = providerId();
    const first = await api.call('POST', '/providers', {
      body: { id, kind: 'openai-compatible', base_url: 'http://old:8000/v1', api_key: PROVIDER_KEY },
    });
    const second = await api.call('POST', '/providers', {
      body: { id, kind: 'openai-compatible', base_url: 'http://new:8000/v1' },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ base_url: 'http://new:8000/v1', has_api_key: false });
    expect(second.body.created_at).toBe(first.body.created_at);
    expect(runtime.providers.map().get(id)).toMatchObject({ baseUrl: 'http://new:8000/v1', apiKey: '' });
  });

  it('deletes a provider added through the API, and a built-in it replaced applies again', async () => {
    const replaced = await api.call('POST', '/providers', {
      body: { id: 'anthropic', kind: 'anthropic', base_url: 'https://proxy.example.com/anthropic' },
    });
    expect(replaced.body.source).toBe('api');
    expect(runtime.providers.map().get('anthropic')?.baseUrl).toBe('https://proxy.example.com/anthropic');

    const deleted = await api.call('DELETE', '/providers/anthropic');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: 'anthropic', object: 'provider', deleted: true });
    expect(runtime.providers.map().get('anthropic')?.baseUrl).toBe('https://api.anthropic.com');
    const listed = await api.call('GET', '/providers');
    expect(listed.body.data.find((p: { id: string }) => p.id === 'anthropic').source).toBe('builtin');

    const builtin = await api.call('DELETE', '/providers/anthropic');
    expect(builtin.status).toBe(409);
    expect(builtin.body.error.code).toBe('provider_read_only');
    const missing = await api.call('DELETE', '/providers/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('provider_not_found');
  });

  describe('refuses bad input, naming the field, writing nothing', () => {
    const good = { kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1' };
    it.each([
      // parse.ts reports an absent enum as invalid (issue code invalid_value), not missing.
      [{ kind: undefined }, 'parameter_invalid', 'kind'],
      [{ base_url: undefined }, 'parameter_missing', 'base_url'],
      [{ kind: 'gemini' }, 'parameter_invalid', 'kind'],
      [{ base_url: 'not a url' }, 'parameter_invalid', 'base_url'],
      [{ base_url: 'ftp://files.example.com' }, 'parameter_invalid', 'base_url'],
      [{ base_url: 'https://user:pw@api.example.com/v1' }, 'parameter_invalid', 'base_url'],
      [{ base_url: 'https://api.example.com/v1?key=1' }, 'parameter_invalid', 'base_url'],
      [{ kind: 'anthropic', base_url: 'https://api.anthropic.com/v1' }, 'parameter_invalid', 'base_url'],
      [{ api_key: 'sk has a space' }, 'parameter_invalid', 'api_key'],
      [{ api_key: '' }, 'parameter_invalid', 'api_key'],
      [{ apikey: PROVIDER_KEY }, 'parameter_invalid', 'apikey'],
    ])('%j → %s %s', async (fields, code, param) => {
      const id = providerId();
      const answer = await api.call('POST', '/providers', { body: { id, ...good, ...fields } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code, param });
      expect(answer.body.error.message).toContain(param);
      expect(answer.text).not.toContain('sk has a space');
      expect(answer.text).not.toContain(PROVIDER_KEY);
      expect(await storedProvider(id)).toBeUndefined();
    });

    it.each(['Has-Upper', 'with/slash', '-leading'])('id %j', async (id) => {
      const answer = await api.call('POST', '/providers', { body: { id, ...good } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'id' });
    });
  });

  describe('without TOLLGATE_SECRET', () => {
    it.each([
      [
        'a gateway without a secret',
        async () =>
          setupGateway({ store: ctx.store, ledger: new Ledger(ctx.store), outbox: ':memory:', env: {} }),
      ],
      ['no gateway at all', async () => undefined],
    ])('with %s, refuses an api_key and says how to fix it', async (_name, make) => {
      const bare = await make();
      try {
        const client = adminClient(ctx.store, {}, bare);
        const id = providerId();
        const answer = await client.call('POST', '/providers', {
          body: { id, kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1', api_key: PROVIDER_KEY },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'secret_not_configured', param: 'api_key' });
        expect(answer.body.error.message).toContain('TOLLGATE_SECRET');
        expect(answer.text).not.toContain(PROVIDER_KEY);
        expect(await storedProvider(id)).toBeUndefined();

        const keyless = await client.call('POST', '/providers', {
          body: { id, kind: 'openai-compatible', base_url: 'http://gpu-1:8000/v1' },
        });
        expect(keyless.status).toBe(201);
        expect(keyless.body.has_api_key).toBe(false);
        const listed = await client.call('GET', '/providers');
        expect(listed.body.data.map((p: { id: string }) => p.id)).toContain(id);
      } finally {
        await bare?.close();
      }
    });
  });
});
