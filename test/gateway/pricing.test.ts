import { adminRoutes } from '@tollgate/contract';
import { countChatPromptTokens } from '@tollgate/providers';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AdminClient, adminClient, uniqueId } from '../../packages/server/src/admin/test-client.ts';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../../packages/server/src/gateway/billing.ts';
import { fixtureEntry } from '../fake-provider/server.ts';
import type { StoreKind } from '../stores.ts';
import {
  type Account,
  DEFAULT_GRANT_MICROS,
  expectedCost,
  expectedHold,
  type Harness,
  startHarness,
} from './harness.ts';

/**
 * Price plans through the real gateway and the official OpenAI SDK: the fake upstream answers
 * every call with openai_chat_nonstream.json (27 in + 42 out of gpt-4o-mini at $0.15/$0.60 per
 * 1M: 4.05 + 25.2 = 29.25 → cost 29 micros), and each customer is charged what its plan says.
 */
const COST = 29n;
const REQUEST = fixtureEntry('openai_chat_nonstream.json').request
  .body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;

function client(h: Harness, account: Account, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: account.key,
    baseURL: `${h.baseUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`pricing through the gateway [${kind}]`, () => {
    let h: Harness;
    let api: AdminClient;
    beforeAll(async () => {
      h = await startHarness(kind);
      api = adminClient(h.store, {}, h.runtime);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** A new customer (10 USD unless `grant`) on a new plan. */
    async function customerOn(plan: Record<string, unknown>, grant = DEFAULT_GRANT_MICROS): Promise<Account> {
      const account = await h.account(grant);
      const created = await api.call('POST', '/plans', { body: { id: uniqueId('plan'), ...plan } });
      if (created.status !== 201) throw new Error(created.text);
      const assigned = await api.call('PUT', `/customers/${account.customerId}/plan`, {
        body: { plan_id: created.body.id },
      });
      if (assigned.status !== 200) throw new Error(assigned.text);
      return account;
    }

    async function session(account: Account, id: string) {
      const answer = await api.call('GET', `/sessions/${id}?customer_id=${account.customerId}`);
      expect(answer.status).toBe(200);
      return answer.body;
    }

    it('the fixture costs 29 micros (the premise of the other cases)', () => {
      expect(
        expectedCost('openai', 'gpt-4o-mini', fixtureEntry('openai_chat_nonstream.json').expected_usage!),
      ).toBe(COST);
    });

    it('a markup plan debits cost × (1 + markup), rounded once: 29 × 1.25 = 36.25 → 36', async () => {
      const account = await customerOn({ markup_bps: 2500 });
      const { response } = await client(h, account).chat.completions.create(REQUEST).withResponse();
      expect(response.headers.get('x-tollgate-cost')).toBe('29');
      expect(response.headers.get('x-tollgate-price')).toBe('36');
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 36n);
      const event = await h.usageEvent(response.headers.get('x-tollgate-request-id')!);
      expect(event).toMatchObject({ cost: COST, price: 36n });
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('a customer with no plan (and no default plan) pays the cost', async () => {
      const passThrough = await h.account();
      const { response } = await client(h, passThrough).chat.completions.create(REQUEST).withResponse();
      expect(response.headers.get('x-tollgate-price')).toBe('29');
    });

    it('a minimum charge lifts a cheap call to it', async () => {
      const account = await customerOn({ minimum_charge: 1_000 });
      const { response } = await client(h, account).chat.completions.create(REQUEST).withResponse();
      expect(response.headers.get('x-tollgate-price')).toBe('1000');
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 1_000n);
    });

    it('a value-unit call pays the unit price; its usage event keeps the token cost', async () => {
      const account = await customerOn({ markup_bps: 2500, units: { clinical_report: 2_000_000 } });
      const { response } = await client(h, account, { 'x-tollgate-unit': 'clinical_report' })
        .chat.completions.create(REQUEST)
        .withResponse();
      expect(response.headers.get('x-tollgate-price')).toBe('2000000');
      const event = await h.usageEvent(response.headers.get('x-tollgate-request-id')!);
      expect(event).toMatchObject({
        valueUnit: 'clinical_report',
        cost: COST,
        price: 2_000_000n,
        inputTokens: 27,
      });
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 2_000_000n);
    });

    it('an unpriced value unit is refused with 400 naming x-tollgate-unit, nothing held', async () => {
      const account = await customerOn({ units: { clinical_report: 2_000_000 } });
      const refused = await client(h, account, { 'x-tollgate-unit': 'poem' })
        .chat.completions.create(REQUEST)
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refused).toMatchObject({ status: 400, param: 'x-tollgate-unit' });
      expect(await h.wallet(account.walletId)).toMatchObject({ balance: DEFAULT_GRANT_MICROS, pending: 0n });
    });

    it('a 10-step agent priced per event: the session price is the sum of 10 prices', async () => {
      const account = await customerOn({ markup_bps: 2500, session: { mode: 'per_event' } });
      const agent = client(h, account, { 'x-tollgate-session': 'agent-per-event' });
      for (let step = 0; step < 10; step++) await agent.chat.completions.create(REQUEST);
      const run = await session(account, 'agent-per-event');
      expect(run).toMatchObject({ requests: 10, cost: 290, price: 360, margin: 70 });
      expect(run.events.map((e: { price: number }) => e.price)).toEqual(Array(10).fill(36));
      expect(run.duration_ms).toBeGreaterThanOrEqual(0);
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 360n);
    });

    it('the same agent priced per action: one action price, token cost absorbed and tracked', async () => {
      const account = await customerOn({
        markup_bps: 2500,
        session: { mode: 'per_action', action_price: 500_000 },
      });
      const agent = client(h, account, { 'x-tollgate-session': 'agent-per-action' });
      for (let step = 0; step < 10; step++) {
        const { response } = await agent.chat.completions.create(REQUEST).withResponse();
        expect(response.headers.get('x-tollgate-price')).toBe('0');
      }
      const run = await session(account, 'agent-per-action');
      expect(run).toMatchObject({ requests: 10, cost: 290, price: 500_000, margin: 500_000 - 290 });
      const calls = run.events.filter((e: { api: string }) => e.api === 'chat');
      expect(calls.map((e: { price: number; cost: number }) => [e.cost, e.price])).toEqual(
        Array(10).fill([29, 0]),
      );
      expect(run.events.filter((e: { api: string }) => e.api === 'session_action')).toMatchObject([
        { price: 500_000, cost: 0 },
      ]);
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 500_000n);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('a session cost cap stops the 11th call with 429 budget_exceeded', async () => {
      // The most one call can cost (its hold on a pass-through plan) sets the cap: 10 calls fit.
      const probe = await h.account();
      const { response } = await client(h, probe).chat.completions.create(REQUEST).withResponse();
      const event = await h.usageEvent(response.headers.get('x-tollgate-request-id')!);
      expect(event?.price).toBe(COST);
      // No max_tokens: the hold counts the default output ceiling.
      const maxCost = expectedHold(
        'openai',
        REQUEST.model,
        countChatPromptTokens(REQUEST.messages as never, 'o200k_base'),
        DEFAULT_MAX_OUTPUT_TOKENS,
      );
      const cap = 9n * COST + maxCost + COST / 2n;
      const account = await customerOn({ session: { mode: 'per_event', cost_cap: Number(cap) } });
      const agent = client(h, account, { 'x-tollgate-session': 'capped' });
      for (let step = 0; step < 10; step++) await agent.chat.completions.create(REQUEST);
      const refused = await agent.chat.completions.create(REQUEST).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });
      expect((await session(account, 'capped')).requests).toBe(10);
      // Another session of the same customer is not capped by this one.
      await client(h, account, { 'x-tollgate-session': 'fresh' }).chat.completions.create(REQUEST);
    });

    it('an outcome-priced session: calls price 0, the outcome charges once even when replayed', async () => {
      const account = await customerOn({ markup_bps: 2500, outcomes: { ticket_resolved: 1_500_000 } });
      const agent = client(h, account, { 'x-tollgate-session': 'ticket-1' });
      for (let step = 0; step < 3; step++) {
        const { response } = await agent.chat.completions.create(REQUEST).withResponse();
        expect(response.headers.get('x-tollgate-price')).toBe('0');
      }
      const key = uniqueId('outcome');
      const body = { type: 'ticket_resolved', customer_id: account.customerId, session_id: 'ticket-1' };
      const first = await api.call('POST', '/outcomes', { body, idempotencyKey: key });
      const replay = await api.call('POST', '/outcomes', { body, idempotencyKey: key });
      expect(first.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect((await h.wallet(account.walletId)).balance).toBe(DEFAULT_GRANT_MICROS - 1_500_000n);
      const run = await session(account, 'ticket-1');
      expect(run).toMatchObject({ requests: 3, cost: 87, price: 1_500_000, margin: 1_500_000 - 87 });
      expect(run.outcomes).toEqual([first.body]);
      expect(await h.ledger.verify()).toEqual([]);
      // The margin report (built beside this) shows the cost per success from these rows.
      if ('getMarginReport' in adminRoutes) {
        const report = await api.call(
          'GET',
          `/reports/margin?group_by=outcome&customer_id=${account.customerId}`,
        );
        expect(report.status).toBe(200);
        expect(report.body.data).toMatchObject([
          {
            group: 'ticket_resolved',
            outcomes: 1,
            requests: 3,
            cost: 87,
            price: 1_500_000,
            cost_per_success: 87,
          },
        ]);
      }
    });

    it('a free allowance is granted on the first call of the period and spent first', async () => {
      const account = await customerOn(
        { markup_bps: 2500, free_allowance: { amount: 1_000_000, period: 'month' } },
        0n,
      );
      const user = client(h, account);
      await user.chat.completions.create(REQUEST);
      await user.chat.completions.create(REQUEST);
      expect((await h.wallet(account.walletId)).balance).toBe(1_000_000n - 72n);
      const lots = await h.store.listLots(account.walletId);
      expect(lots).toHaveLength(1);
      expect(lots[0]).toMatchObject({ source: 'promo', amount: 1_000_000n, remaining: 1_000_000n - 72n });
      const now = new Date();
      expect(lots[0]!.expiresAt).toBe(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    });
  });
}
