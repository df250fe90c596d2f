import { adminRoutes } from '@tollgate/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin customers', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  it('creates, gets and refuses a second customer with the same id', async () => {
    const id = uniqueId('acme');
    const created = await api.call('POST', '/customers', {
      body: { id, name: 'Acme', metadata: { plan: 'pro' } },
    });
    expect(created.status).toBe(201);
    expect(adminRoutes.createCustomer.response.parse(created.body)).toMatchObject({
      id,
      object: 'customer',
      name: 'Acme',
      metadata: { plan: 'pro' },
    });
    const fetched = await api.call('GET', `/customers/${id}`);
    expect(fetched.body).toEqual(created.body);
    const again = await api.call('POST', '/customers', { body: { id, name: 'Other' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'resource_already_exists',
      param: 'id',
      type: 'conflict_error',
    });
    expect((await api.call('GET', `/customers/${id}`)).body.name).toBe('Acme');
  });

  it('answers 404 for an unknown customer', async () => {
    const answer = await api.call('GET', '/customers/nobody_here');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('customer_not_found');
  });

  it('pages through customers with an opaque cursor', async () => {
    const prefix = uniqueId('page');
    for (const n of [1, 2, 3]) await api.call('POST', '/customers', { body: { id: `${prefix}_${n}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await api.call('GET', `/customers${query}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((c: { id: string }) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual([1, 2, 3].map((n) => `${prefix}_${n}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  describe('refuses bad input, naming the field', () => {
    it.each([
      [{}, 'parameter_missing', 'id'],
      [{ id: '' }, 'parameter_invalid', 'id'],
      [{ id: 'has space' }, 'parameter_invalid', 'id'],
      [{ id: 'x'.repeat(129) }, 'parameter_invalid', 'id'],
      [{ id: 'ok', nmae: 'typo' }, 'parameter_invalid', 'nmae'],
      [{ id: 'ok', metadata: { plan: 3 } }, 'parameter_invalid', 'metadata.plan'],
      [{ id: 42 }, 'parameter_invalid', 'id'],
    ])('%j → %s %s', async (body, code, param) => {
      const answer = await api.call('POST', '/customers', { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code, param });
      expect(answer.body.error.message).toContain(param);
      expect((await api.call('GET', '/customers/ok')).status).toBe(404);
    });

    it('a cursor that is not one of ours', async () => {
      const answer = await api.call('GET', '/customers?cursor=garbage');
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'cursor' });
    });

    it.each(['0', '501', 'ten'])('limit=%s', async (limit) => {
      const answer = await api.call('GET', `/customers?limit=${limit}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'limit' });
    });
  });
});
