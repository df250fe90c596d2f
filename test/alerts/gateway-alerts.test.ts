import { newId } from '@tollgate/domain';
import { alertsStore, gatewayStore, refusalStore } from '@tollgate/storage';
import OpenAI from 'openai';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../../packages/server/src/admin/test-client.ts';
import { generateVirtualKey } from '../../packages/server/src/gateway/keys.ts';
import { REFUSAL_FLUSH_INTERVAL_MS } from '../../packages/server/src/gateway/refusal-recorder.ts';
import { startTollgate, type Tollgate } from '../../packages/server/src/runtime/start.ts';
import { type FakeProvider, startFakeProvider } from '../fake-provider/server.ts';
import { describeStores, tempOutbox } from '../stores.ts';
import { startReceiver, waitFor } from './support.ts';

/**
 * The alerts the gateway feeds, through a real Tollgate (start.ts wiring), the official SDK and a
 * fake upstream: a spike of refused calls, and a soft budget passed.
 */
const USD = 1_000_000n;
const CHAT = { model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user' as const, content: 'Hi' }] };

describeStores('alerts fed by the gateway', (ctx) => {
  let fake: FakeProvider;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tollgate: Tollgate;
  let verifier: Webhook;
  let channelId: string;

  beforeAll(async () => {
    fake = await startFakeProvider();
    receiver = await startReceiver();
    tollgate = await startTollgate({
      databaseUrl: ctx.url,
      port: 0,
      host: '127.0.0.1',
      adminKey: TEST_ADMIN_KEY,
      log: () => {},
      env: {
        OPENAI_BASE_URL: `${fake.url}/v1`,
        OPENAI_API_KEY: 'sk-fake-openai-0123456789',
        TOLLGATE_OUTBOX: tempOutbox(),
      },
    });
    const channel = await admin('POST', '/alert-channels', {
      kind: 'webhook',
      config: { url: receiver.url },
    });
    channelId = channel.id;
    verifier = new Webhook(channel.secret);
  });
  afterAll(async () => {
    await tollgate?.close();
    await receiver?.close();
    await fake?.close();
  });

  /** An admin call; the fields these tests read of its answer. */
  async function admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ id: string; secret: string }> {
    const answer = await fetch(`${tollgate.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await answer.json()) as { id: string; secret: string };
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A customer with a usd wallet granted `grant` micros (none: 0) and a key, through the SDK. */
  async function account(grant: bigint) {
    const customerId = newId('cus');
    await tollgate.store.createCustomer({
      id: customerId,
      name: null,
      metadata: null,
      createdAt: Date.now(),
    });
    const wallet = await admin('POST', '/wallets', { customer_id: customerId, unit: 'usd' });
    if (grant > 0n) await admin('POST', `/wallets/${wallet.id}/grants`, { amount: Number(grant) });
    const generated = generateVirtualKey();
    await gatewayStore(tollgate.store).createKey({
      id: newId('key'),
      digest: generated.digest,
      prefix: generated.prefix,
      name: null,
      customerId,
      teamId: null,
      userId: null,
      feature: null,
      models: null,
      walletId: null,
      endStreamOnHoldExhausted: false,
      expiresAt: null,
      revokedAt: null,
      createdAt: Date.now(),
      requestsPerMinute: null,
      tokensPerMinute: null,
    });
    const client = new OpenAI({ apiKey: generated.key, baseURL: `${tollgate.url}/v1`, maxRetries: 0 });
    return { customerId, client };
  }

  /** Webhook deliveries of one event type for one customer, each verified as a receiver would. */
  function delivered(type: string, customerId: string) {
    return receiver.received
      .map(
        (r) =>
          verifier.verify(r.body, r.headers as Record<string, string>) as {
            type: string;
            data: Record<string, unknown>;
          },
      )
      .filter((e) => e.type === type && e.data.customer_id === customerId);
  }

  async function refusals(customerId: string | null) {
    const hour = 3_600_000;
    const from = Math.floor(Date.now() / hour) * hour - hour;
    return refusalStore(tollgate.store).countRefusals(from, from + 3 * hour, customerId);
  }

  it('10 calls refused with 402 trip a blocked_spike rule once, delivered to a webhook', async () => {
    const { customerId, client } = await account(0n);
    const ruleId = (
      await admin('POST', '/alert-rules', {
        kind: 'blocked_spike',
        count: 5,
        window: 'hour',
        customer_id: customerId,
        channel_ids: [channelId],
      })
    ).id;
    for (let i = 0; i < 10; i++)
      await expect(client.chat.completions.create(CHAT)).rejects.toMatchObject({
        status: 402,
        code: 'insufficient_credits',
      });
    expect(fake.requests).toHaveLength(0);

    await waitFor(
      () => delivered('usage.blocked_spike', customerId).length > 0,
      3 * REFUSAL_FLUSH_INTERVAL_MS + 5_000,
    );
    expect(delivered('usage.blocked_spike', customerId)[0]!.data).toMatchObject({
      customer_id: customerId,
      rule_id: ruleId,
      blocked: 10,
      count: 5,
      window: 'hour',
    });
    expect(await refusals(customerId)).toEqual([{ customerId, count: 10 }]);

    // More refusals in the same hour: counted, and no second alert.
    for (let i = 0; i < 5; i++) await expect(client.chat.completions.create(CHAT)).rejects.toThrow();
    await waitFor(
      async () => (await refusals(customerId))[0]?.count === 15,
      3 * REFUSAL_FLUSH_INTERVAL_MS + 5_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await alertsStore(tollgate.store).listEvents(ruleId)).toHaveLength(1);
    expect(delivered('usage.blocked_spike', customerId)).toHaveLength(1);
  });

  it('refusals of a bad key are not counted (it has no customer)', async () => {
    const before = await refusals(null);
    const stranger = new OpenAI({
      apiKey: 'tg_not_a_real_key_0000000000',
      baseURL: `${tollgate.url}/v1`,
      maxRetries: 0,
    });
    for (let i = 0; i < 5; i++)
      await expect(stranger.chat.completions.create(CHAT)).rejects.toMatchObject({ status: 401 });
    await new Promise((r) => setTimeout(r, REFUSAL_FLUSH_INTERVAL_MS + 500));
    expect(await refusals(null)).toEqual(before);
  });

  it('a call passing a soft budget leads to its budget_used rule being delivered within seconds', async () => {
    const { customerId, client } = await account(10n * USD);
    const budget = await admin('POST', '/budgets', {
      scope: { customer_id: customerId },
      period: 'month',
      amount: 1,
      mode: 'soft',
    });
    await admin('POST', '/alert-rules', {
      kind: 'budget_used',
      budget_id: budget.id,
      percent: 100,
      customer_id: customerId,
      channel_ids: [channelId],
    });
    // Budgets are read from a one-second cache per customer.
    await new Promise((r) => setTimeout(r, 1_100));
    const passed = Date.now();
    const answer = await client.chat.completions.create(CHAT).withResponse();
    expect(answer.response.status).toBe(200);
    expect(answer.response.headers.get('x-tollgate-budget')).toBe('warning');

    await waitFor(() => delivered('budget.threshold_reached', customerId).length > 0, 5_000);
    // Nudged by the gateway, not left to the 60 s pass.
    expect(Date.now() - passed).toBeLessThan(5_000);
    expect(delivered('budget.threshold_reached', customerId)[0]!.data).toMatchObject({
      budget_id: budget.id,
      customer_id: customerId,
      amount: 1,
      percent: 100,
    });
    // Once per period: a second call passes the cap again and fires nothing new.
    await client.chat.completions.create(CHAT);
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered('budget.threshold_reached', customerId)).toHaveLength(1);
  });
});
