import { adminRoutes } from '@tollgate/contract';
import { Ledger, type Store } from '@tollgate/storage';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { createApp } from '../app.ts';
import { type AdminClient, adminClient, TEST_ADMIN_KEY } from './test-client.ts';

describeStores('admin API edges', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers the health check without a key', async () => {
    const answer = await api.app.request('/healthz');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true });
  });

  describe('auth', () => {
    it.each([
      ['no header', null, 'admin_key_missing'],
      ['a wrong key', 'not-the-key', 'admin_key_invalid'],
    ])('refuses %s with 401', async (_name, key, code) => {
      const answer = await api.call('POST', '/customers', { body: { id: 'intruder' }, key });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.body.error).toMatchObject({ type: 'authentication_error', code });
      expect(answer.text).not.toContain('not-the-key');
      expect((await api.call('GET', '/customers/intruder')).status).toBe(404);
    });

    it('refuses a non-bearer scheme', async () => {
      const response = await api.app.request('/api/v1/customers', {
        headers: { authorization: `Basic ${TEST_ADMIN_KEY}` },
      });
      expect(response.status).toBe(401);
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    for (const path of ['/api/v1/nothing', '/nothing', '/api/v1/customers/x/y']) {
      const response = await api.app.request(path, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      expect(response.status, path).toBe(404);
      expect(JSON.parse(await response.text()).error.code).toBe('route_not_found');
    }
  });

  it('refuses malformed JSON with 400 invalid_json, writing nothing', async () => {
    const { walletId } = await api.seedWallet();
    const before = await api.journalSize();
    for (const rawBody of ['{"amount": 1', 'amount=1', '{"amount": 01}']) {
      const answer = await api.call('POST', `/wallets/${walletId}/grants`, { rawBody });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    }
    expect(await api.journalSize()).toBe(before);
  });

  it('refuses a body that is not an object', async () => {
    const answer = await api.call('POST', '/customers', { body: ['acme'] });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('parameter_invalid');
  });

  it('refuses a body over 1 MB with 413', async () => {
    const answer = await api.call('POST', '/customers', {
      body: { id: 'big', name: 'x'.repeat(1_100_000) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('request_too_large');
    expect((await api.call('GET', '/customers/big')).status).toBe(404);
  });

  it('answers an unexpected failure with a bare 500 and logs it without secrets', async () => {
    const failing: Store = Object.create(ctx.store, {
      getCustomer: {
        value: async () => {
          throw new Error('connection to db-secret-host refused');
        },
      },
    });
    const app = createApp({
      store: failing,
      ledger: new Ledger(failing),
      authorizeAdmin: async (t) => t === TEST_ADMIN_KEY,
    });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await app.request('/api/v1/customers/acme', {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error).toMatchObject({ type: 'api_error', code: 'internal_error' });
    expect(text).not.toContain('secret');
    const logged = log.mock.calls.flat().join(' ');
    expect(logged).toContain('db-secret-host');
    expect(logged).not.toContain(TEST_ADMIN_KEY);
  });

  describe('OpenAPI document', () => {
    it('is served without a key and lists every route with its schemas', async () => {
      const response = await api.app.request('/api/v1/openapi.json');
      expect(response.status).toBe(200);
      const document = JSON.parse(await response.text());
      expect(document.openapi).toBe('3.1.0');
      for (const route of Object.values(adminRoutes)) {
        const operation = document.paths[`/api/v1${route.path}`]?.[route.method];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        expect(operation.operationId).toBe(route.operationId);
        expect(operation.responses[String(route.status)]).toBeDefined();
        if ('body' in route) expect(operation.requestBody.content['application/json'].schema).toBeDefined();
      }
      const grant = document.paths['/api/v1/wallets/{id}/grants'].post;
      expect(grant.requestBody.content['application/json'].schema.required).toEqual(['amount']);
      expect(grant.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'Idempotency-Key']);
      expect(grant.responses['409']['x-error-codes']).toContain('idempotency_key_reused');
      expect(document.paths['/api/v1/wallets/{id}/deductions'].post.responses['402']).toBeDefined();
    });
  });
});
