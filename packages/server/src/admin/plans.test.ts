import { adminRoutes } from '@tollgate/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin plans, units, outcomes, sessions', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  async function plan(body: Record<string, unknown>): Promise<string> {
    const answer = await api.call('POST', '/plans', { body: { id: uniqueId('plan'), ...body } });
    if (answer.status !== 201) throw new Error(answer.text);
    return answer.body.id;
  }

  describe('plans', () => {
    it('creates, reads, lists and assigns a plan, money as integers', async () => {
      const id = uniqueId('plan');
      const created = await api.call('POST', '/plans', {
        body: {
          id,
          name: 'Pro',
          markup_bps: 2500,
          model_prices: [{ model: 'gpt-4o-mini', input: 300_000, output: '1200000', cached_input: 150_000 }],
          minimum_charge: 100,
          free_allowance: { amount: 1_000_000, period: 'month' },
          cached_hit_bps: 5000,
          units: { clinical_report: 2_000_000 },
          session: { mode: 'per_action', action_price: 500_000, cost_cap: 9_000_000 },
          outcomes: { ticket_resolved: 1_500_000 },
        },
      });
      expect(created.status).toBe(201);
      const parsed = adminRoutes.getPlan.response.parse(created.body);
      expect(parsed).toMatchObject({
        id,
        object: 'plan',
        is_default: false,
        markup_bps: 2500,
        model_prices: [
          {
            provider: null,
            model: 'gpt-4o-mini',
            input: 300_000,
            output: 1_200_000,
            cached_input: 150_000,
            per_request: 0,
          },
        ],
        minimum_charge: 100,
        free_allowance: { amount: 1_000_000, period: 'month' },
        cached_hit_bps: 5000,
        units: { clinical_report: 2_000_000 },
        session: { mode: 'per_action', action_price: 500_000, cost_cap: 9_000_000 },
        outcomes: { ticket_resolved: 1_500_000 },
      });
      expect((await api.call('GET', `/plans/${id}`)).body).toEqual(created.body);
      const listed = await api.call('GET', '/plans?limit=500');
      expect(listed.body.data.map((p: { id: string }) => p.id)).toContain(id);
      const { customerId } = await api.seedWallet();
      const assigned = await api.call('PUT', `/customers/${customerId}/plan`, { body: { plan_id: id } });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ object: 'customer_plan', customer_id: customerId, plan_id: id });
    });

    it('keeps one default plan', async () => {
      const first = await plan({ is_default: true });
      const second = await plan({ is_default: true });
      expect((await api.call('GET', `/plans/${first}`)).body.is_default).toBe(false);
      expect((await api.call('GET', `/plans/${second}`)).body.is_default).toBe(true);
    });

    it.each([
      [{ markup_bps: 12.5 }, 'markup_bps'],
      [{ markup_bps: -1 }, 'markup_bps'],
      [{ minimum_charge: 1.5 }, 'minimum_charge'],
      [{ cached_hit_bps: 10_001 }, 'cached_hit_bps'],
      [{ units: { clinical_report: -5 } }, 'units.clinical_report'],
      [{ outcomes: { ticket_resolved: '1.5' } }, 'outcomes.ticket_resolved'],
      [{ session: { mode: 'per_action' } }, 'session.action_price'],
      [{ session: { mode: 'per_run' } }, 'session.mode'],
      [{ free_allowance: { amount: 0, period: 'month' } }, 'free_allowance.amount'],
      [{ free_allowance: { amount: 5, period: 'year' } }, 'free_allowance.period'],
      [
        { model_prices: [{ model: 'gpt-4o', input: 2, output: 1, cached_input: 3 }] },
        'model_prices.0.cached_input',
      ],
      [{ model_prices: [{ model: 'gpt-4o', output: 1 }] }, 'model_prices.0.input'],
      [{ surprise: 1 }, 'surprise'],
    ])('refuses %j with 400 naming %s, writing nothing', async (body, param) => {
      const id = uniqueId('plan');
      const answer = await api.call('POST', '/plans', { body: { id, ...body } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
      expect((await api.call('GET', `/plans/${id}`)).status).toBe(404);
    });

    it('refuses an id that exists (plans are never edited) and unknown ids', async () => {
      const id = await plan({});
      expect((await api.call('POST', '/plans', { body: { id } })).status).toBe(409);
      expect((await api.call('GET', '/plans/nope')).body.error.code).toBe('plan_not_found');
      const { customerId } = await api.seedWallet();
      const unknownPlan = await api.call('PUT', `/customers/${customerId}/plan`, {
        body: { plan_id: 'nope' },
      });
      expect(unknownPlan.status).toBe(404);
      expect(unknownPlan.body.error).toMatchObject({ code: 'plan_not_found', param: 'plan_id' });
      const unknownCustomer = await api.call('PUT', '/customers/nobody/plan', { body: { plan_id: id } });
      expect(unknownCustomer.body.error.code).toBe('customer_not_found');
      const missing = await api.call('PUT', `/customers/${customerId}/plan`, { body: {} });
      expect(missing.body.error.param).toBe('plan_id');
    });
  });

  describe('value units and outcomes', () => {
    async function customerOn(body: Record<string, unknown>, grant = 10_000_000) {
      const seeded = await api.seedWallet({ grant });
      await api.call('PUT', `/customers/${seeded.customerId}/plan`, { body: { plan_id: await plan(body) } });
      return seeded;
    }

    it('a unit event deducts unit price × quantity and meters it with cost 0', async () => {
      const { customerId, walletId } = await customerOn({ units: { clinical_report: 2_000_000 } });
      const answer = await api.call('POST', '/units/clinical_report/events', {
        body: { customer_id: customerId, quantity: 3, session_id: 'run-1' },
        idempotencyKey: uniqueId('unit'),
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        unit_price: 2_000_000,
        price: 6_000_000,
        quantity: 3,
        wallet: { balance: 4_000_000 },
      });
      const session = await api.call('GET', `/sessions/run-1?customer_id=${customerId}`);
      expect(session.body).toMatchObject({ requests: 0, cost: 0, price: 6_000_000, margin: 6_000_000 });
      expect(session.body.events[0]).toMatchObject({
        api: 'unit_event',
        value_unit: 'clinical_report',
        cost: 0,
        price: 6_000_000,
        wallet_id: walletId,
      });
    });

    it('an unpriced unit or outcome is 400, nothing written', async () => {
      const { customerId } = await customerOn({ units: { a: 1 }, outcomes: { ok: 1 } });
      const before = await api.journalSize();
      const unit = await api.call('POST', '/units/b/events', { body: { customer_id: customerId } });
      expect(unit.status).toBe(400);
      expect(unit.body.error).toMatchObject({ code: 'unit_not_priced', param: 'unit' });
      const outcome = await api.call('POST', '/outcomes', {
        body: { customer_id: customerId, type: 'nope', session_id: 's' },
      });
      expect(outcome.status).toBe(400);
      expect(outcome.body.error).toMatchObject({ code: 'outcome_not_priced', param: 'type' });
      expect(await api.journalSize()).toBe(before);
    });

    it.each([
      ['/units/r/events', { quantity: 0 }, 'quantity'],
      ['/units/r/events', { quantity: 1.5 }, 'quantity'],
      ['/units/r/events', {}, 'customer_id'],
      ['/outcomes', { type: 'ok' }, 'session_id'],
      ['/outcomes', { session_id: 's' }, 'type'],
    ])('POST %s %j → 400 naming %s', async (path, body, param) => {
      const { customerId } = await customerOn({ units: { r: 1 }, outcomes: { ok: 1 } });
      const withCustomer = param === 'customer_id' ? body : { customer_id: customerId, ...body };
      const answer = await api.call('POST', path, { body: withCustomer });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
    });

    it('an outcome charges once per Idempotency-Key, owed beyond the balance', async () => {
      const { customerId, walletId } = await customerOn(
        { outcomes: { ticket_resolved: 1_500_000 } },
        1_000_000,
      );
      const key = uniqueId('outcome');
      const body = { customer_id: customerId, type: 'ticket_resolved', session_id: 'run-9' };
      const first = await api.call('POST', '/outcomes', { body, idempotencyKey: key });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        object: 'outcome',
        type: 'ticket_resolved',
        price: 1_500_000,
        session_id: 'run-9',
      });
      const replay = await api.call('POST', '/outcomes', { body, idempotencyKey: key });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      const wallet = (await api.call('GET', `/wallets/${walletId}`)).body;
      expect({ balance: wallet.balance, owed: wallet.owed }).toEqual({ balance: 0, owed: 500_000 });
      const session = await api.call('GET', `/sessions/run-9?customer_id=${customerId}`);
      expect(session.body.outcomes).toEqual([first.body]);
      expect(session.body.price).toBe(1_500_000);
    });

    it('a customer without a usd wallet or unknown → 404', async () => {
      const unknown = await api.call('POST', '/outcomes', {
        body: { customer_id: 'nobody', type: 'x', session_id: 's' },
      });
      expect(unknown.body.error).toMatchObject({ code: 'customer_not_found', param: 'customer_id' });
      const { customerId } = await api.seedWallet({ unit: 'credits' });
      const noUsd = await api.call('POST', '/units/r/events', { body: { customer_id: customerId } });
      expect(noUsd.body.error.code).toBe('wallet_not_found');
    });

    it('an unknown session is 404; the customer is required', async () => {
      const { customerId } = await api.seedWallet();
      expect((await api.call('GET', `/sessions/none?customer_id=${customerId}`)).body.error.code).toBe(
        'session_not_found',
      );
      expect((await api.call('GET', '/sessions/none')).body.error.param).toBe('customer_id');
    });
  });
});
