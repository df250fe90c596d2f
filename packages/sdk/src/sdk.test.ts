import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../test/stores.ts';
import {
  type AdminClient,
  adminClient,
  TEST_ADMIN_KEY,
  uniqueId,
} from '../../server/src/admin/test-client.ts';
import { WalletEvents } from '../../server/src/customer-tokens/wallet-events.ts';
import { type Listening, listen } from '../../server/src/runtime/listen.ts';
import { type CustomerStreamEvent, createCustomerClient, Tollgate, TollgateError } from './index.ts';

const BASE_URL = 'http://tollgate.test';

/** Expects `promise` to reject with a TollgateError and returns it. */
async function refusal(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

describeStores('@tollgate/sdk against a real Tollgate app', (ctx) => {
  let api: AdminClient;
  let tollgate: Tollgate;
  let server: Listening;
  const fetchApp = (input: string, init?: RequestInit) => Promise.resolve(api.app.request(input, init));

  beforeAll(async () => {
    const walletEvents = new WalletEvents();
    api = adminClient(ctx.store, {}, undefined, { walletEvents });
    api.ledger.onCommitted((ids) => walletEvents.publish(ids));
    tollgate = new Tollgate({ baseUrl: BASE_URL, adminKey: TEST_ADMIN_KEY, fetch: fetchApp });
    server = await listen(api.app, 0, '127.0.0.1');
  });

  afterAll(async () => {
    await server?.close();
  });

  async function customerWithWallet(amount = 10_000_000) {
    const customer = await tollgate.customers.create({ id: uniqueId('cus'), name: 'Acme' });
    const wallet = await tollgate.wallets.create({ customer_id: customer.id, unit: 'usd' });
    await tollgate.grants.create(wallet.id, { amount });
    return { customer, wallet };
  }

  it('manages customers, wallets and grants, generating an Idempotency-Key when none is given', async () => {
    const { customer, wallet } = await customerWithWallet();
    expect((await tollgate.customers.get(customer.id)).name).toBe('Acme');
    const again = await tollgate.grants.create(wallet.id, { amount: 1n });
    const replayA = await tollgate.grants.create(
      wallet.id,
      { amount: '2' },
      { idempotencyKey: `k-${wallet.id}` },
    );
    const replayB = await tollgate.grants.create(
      wallet.id,
      { amount: '2' },
      { idempotencyKey: `k-${wallet.id}` },
    );
    expect(replayB.id).toBe(replayA.id);
    expect(again.id).not.toBe(replayA.id);
    expect((await tollgate.wallets.get(wallet.id)).balance).toBe(10_000_003);
    expect((await tollgate.grants.list(wallet.id)).data).toHaveLength(3);
    expect((await tollgate.wallets.list({ customer_id: customer.id })).data.map((w) => w.id)).toEqual([
      wallet.id,
    ]);
  });

  it('places, captures and releases holds', async () => {
    const { wallet } = await customerWithWallet();
    const hold = await tollgate.holds.create(wallet.id, { amount: 3_000_000 });
    expect(hold.wallet.pending).toBe(3_000_000);
    const captured = await tollgate.holds.capture(hold.id, { amount: 1_000_000 });
    expect(captured.status).toBe('captured');
    const other = await tollgate.holds.create(wallet.id, { amount: 1_000 });
    expect((await tollgate.holds.release(other.id)).status).toBe('released');
    expect((await tollgate.holds.get(other.id)).status).toBe('released');
    expect((await tollgate.wallets.get(wallet.id)).available).toBe(9_000_000);
  });

  it('creates, lists and revokes keys, budgets, and queries usage', async () => {
    const { customer } = await customerWithWallet();
    const key = await tollgate.keys.create({ customer_id: customer.id, name: 'backend' });
    expect(key.key).toMatch(/^tg_/);
    expect((await tollgate.keys.list({ customer_id: customer.id })).data).toHaveLength(1);
    expect((await tollgate.keys.revoke(key.id)).status).toBe('revoked');
    const budget = await tollgate.budgets.create({
      scope: { customer_id: customer.id },
      period: 'month',
      amount: 5_000_000,
      mode: 'soft',
    });
    expect((await tollgate.budgets.get(budget.id)).amount).toBe(5_000_000);
    expect((await tollgate.customers.budgets(customer.id)).data[0]).toMatchObject({
      id: budget.id,
      health: 'ok',
    });
    const usage = await tollgate.usage.query({ customer_id: customer.id, group_by: ['feature'] });
    expect(usage).toMatchObject({ object: 'usage', data: [] });
  });

  it('throws TollgateError with status, code, message and param', async () => {
    const { wallet } = await customerWithWallet(1_000);
    const poor = await refusal(tollgate.wallets.deduct(wallet.id, { amount: 5_000 }));
    expect(poor).toMatchObject({ status: 402, code: 'insufficient_credits' });
    const bad = await refusal(tollgate.wallets.create({ customer_id: 'x', unit: 'US Dollars' }));
    expect(bad).toMatchObject({ status: 400, code: 'parameter_invalid', param: 'unit' });
    const wrongKey = new Tollgate({ baseUrl: BASE_URL, adminKey: 'nope', fetch: fetchApp });
    expect(await refusal(wrongKey.customers.list())).toMatchObject({
      status: 401,
      code: 'admin_key_invalid',
    });
    const offline = new Tollgate({ baseUrl: 'http://127.0.0.1:1', adminKey: 'k' });
    expect(await refusal(offline.customers.list())).toMatchObject({ status: 0, code: 'network_error' });
  });

  it('mints a customer token that the customer client reads with, and only for its customer', async () => {
    const { customer, wallet } = await customerWithWallet();
    const other = await customerWithWallet();
    const minted = await tollgate.customerTokens.create({ customerId: customer.id, ttlS: 300 });
    expect(minted.customer_id).toBe(customer.id);
    const client = createCustomerClient({ baseUrl: BASE_URL, token: minted.token, fetch: fetchApp });
    expect(client.customerId).toBe(customer.id);
    expect((await client.balance()).wallets[0]).toMatchObject({ id: wallet.id, balance: 10_000_000 });
    expect((await client.usage({ granularity: 'day' })).object).toBe('usage');
    expect((await client.budgets()).data).toEqual([]);
    expect((await client.events({ limit: 5 })).data).toEqual([]);

    const snooping = createCustomerClient({
      baseUrl: BASE_URL,
      token: minted.token,
      customerId: other.customer.id,
      fetch: fetchApp,
    });
    expect(await refusal(snooping.balance())).toMatchObject({ status: 403, code: 'forbidden' });
    const rotated = await tollgate.customerTokens.rotateKeys();
    expect((await tollgate.customerTokens.jwks()).keys.map((k) => k.kid)).toContain(rotated.kid);
    expect((await client.balance()).customer_id).toBe(customer.id);
  });

  it('streams a snapshot and then balance changes over fetch, until closed', async () => {
    const { customer, wallet } = await customerWithWallet();
    const { token } = await tollgate.customerTokens.create({ customerId: customer.id });
    const client = createCustomerClient({
      baseUrl: `http://127.0.0.1:${server.port}`,
      token,
      transport: 'fetch',
    });
    const received: CustomerStreamEvent[] = [];
    let wake = () => {};
    const close = client.stream((event) => {
      received.push(event);
      wake();
    });
    const until = async (count: number) => {
      const deadline = Date.now() + 2_000;
      while (received.length < count && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
    };
    try {
      await until(1);
      expect(received[0]).toMatchObject({ type: 'snapshot' });
      await tollgate.wallets.deduct(wallet.id, { amount: 400_000 });
      await until(2);
      expect(received[1]).toMatchObject({ type: 'balance' });
      if (received[1]?.type === 'balance') expect(received[1].balance.wallets[0]?.balance).toBe(9_600_000);
    } finally {
      close();
    }
  });

  it('reports a refused stream once and stops', async () => {
    const { customer } = await customerWithWallet();
    const other = await customerWithWallet();
    const { token } = await tollgate.customerTokens.create({ customerId: customer.id });
    const client = createCustomerClient({
      baseUrl: `http://127.0.0.1:${server.port}`,
      token,
      customerId: other.customer.id,
      transport: 'fetch',
    });
    const errors: unknown[] = [];
    const close = client.stream((event) => {
      if (event.type === 'error') errors.push(event.error);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 403, code: 'forbidden' });
  });
});
