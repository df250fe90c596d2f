import { adminRoutes } from '@tollgate/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin holds', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  async function hold(walletId: string, body: Record<string, unknown>) {
    const answer = await api.call('POST', `/wallets/${walletId}/holds`, { body });
    if (answer.status !== 201) throw new Error(answer.text);
    return answer.body as { id: string; expires_at: string };
  }

  it('holds, reads, partly captures; the rest returns to available', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const held = await api.call('POST', `/wallets/${walletId}/holds`, {
      body: { amount: 400, ttl_ms: 60_000, metadata: { call: 'c1' } },
    });
    expect(held.status).toBe(201);
    const parsed = adminRoutes.createHold.response.parse(held.body);
    expect(parsed).toMatchObject({
      object: 'hold',
      amount: 400,
      captured_amount: 0,
      status: 'open',
      capture_policy: 'reject',
      metadata: { call: 'c1' },
      wallet: { balance: 1_000, pending: 400, available: 600 },
    });
    expect(Date.parse(parsed.expires_at) - Date.parse(parsed.created_at)).toBe(60_000);
    const fetched = await api.call('GET', `/holds/${parsed.id}`);
    const { wallet: _, ...bare } = held.body;
    expect(fetched.body).toEqual(bare);
    const captured = await api.call('POST', `/holds/${parsed.id}/capture`, { body: { amount: 150 } });
    expect(captured.status).toBe(200);
    expect(adminRoutes.captureHold.response.parse(captured.body)).toMatchObject({
      status: 'captured',
      captured_amount: 150,
      transactions: [{ type: 'capture', amount: 150, hold_id: parsed.id }],
      wallet: { balance: 850, pending: 0, available: 850 },
    });
  });

  it('captures the held amount when no amount is given', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const { id } = await hold(walletId, { amount: 300 });
    const captured = await api.call('POST', `/holds/${id}/capture`, { rawBody: '' });
    expect(captured.body).toMatchObject({ captured_amount: 300, wallet: { balance: 700 } });
  });

  it('releases a hold; capturing it afterwards is a 409', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const { id } = await hold(walletId, { amount: 300 });
    const released = await api.call('POST', `/holds/${id}/release`, { body: {} });
    expect(released.status).toBe(200);
    expect(adminRoutes.releaseHold.response.parse(released.body)).toMatchObject({
      status: 'released',
      wallet: { pending: 0, available: 1_000 },
    });
    const before = await api.journalSize();
    const capture = await api.call('POST', `/holds/${id}/capture`, { body: { amount: 10 } });
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('hold_already_released');
    expect(await api.journalSize()).toBe(before);
  });

  it('refuses to capture an expired hold (409 hold_expired) and shows it expired', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const { id } = await hold(walletId, { amount: 300, ttl_ms: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await api.call('GET', `/holds/${id}`)).body.status).toBe('expired');
    expect((await api.call('GET', `/wallets/${walletId}`)).body).toMatchObject({
      pending: 0,
      available: 1_000,
    });
    const capture = await api.call('POST', `/holds/${id}/capture`, { body: { amount: 10 } });
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('hold_expired');
    expect((await api.call('GET', `/wallets/${walletId}`)).body.balance).toBe(1_000);
  });

  it('applies the capture policy above the hold: reject, cap, overflow', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const rejected = await hold(walletId, { amount: 100 });
    const refused = await api.call('POST', `/holds/${rejected.id}/capture`, { body: { amount: 150 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'capture_exceeds_hold', param: 'amount' });
    const capped = await hold(walletId, { amount: 100, capture_policy: 'cap' });
    const cap = await api.call('POST', `/holds/${capped.id}/capture`, { body: { amount: 150 } });
    expect(cap.body).toMatchObject({ captured_amount: 100 });
    const overflowing = await hold(walletId, { amount: 100, capture_policy: 'overflow' });
    const over = await api.call('POST', `/holds/${overflowing.id}/capture`, { body: { amount: 150 } });
    expect(over.body.transactions.map((t: { type: string; amount: number }) => [t.type, t.amount])).toEqual([
      ['capture', 100],
      ['overflow', 50],
    ]);
  });

  it('answers 402 when the hold is more than the wallet can spend, writing nothing', async () => {
    const { walletId } = await api.seedWallet({ grant: 100 });
    const before = await api.journalSize();
    const answer = await api.call('POST', `/wallets/${walletId}/holds`, { body: { amount: 101 } });
    expect(answer.status).toBe(402);
    expect(answer.body.error.code).toBe('insufficient_credits');
    expect(await api.journalSize()).toBe(before);
  });

  it('replays a capture under its Idempotency-Key', async () => {
    const { walletId } = await api.seedWallet({ grant: 1_000 });
    const { id } = await hold(walletId, { amount: 100 });
    const key = uniqueId('cap');
    const first = await api.call('POST', `/holds/${id}/capture`, {
      body: { amount: 60 },
      idempotencyKey: key,
    });
    const replay = await api.call('POST', `/holds/${id}/capture`, {
      body: { amount: 60 },
      idempotencyKey: key,
    });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const other = await api.call('POST', `/holds/${id}/capture`, {
      body: { amount: 61 },
      idempotencyKey: key,
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  describe('refuses bad input, naming the field', () => {
    it.each([
      [{ amount: 10, ttl_ms: 999 }, 'ttl_ms'],
      [{ amount: 10, ttl_ms: 604_800_001 }, 'ttl_ms'],
      [{ amount: 10, ttl_ms: 1500.5 }, 'ttl_ms'],
      [{ amount: 10, capture_policy: 'sometimes' }, 'capture_policy'],
      [{ amount: -10 }, 'amount'],
    ])('hold %j', async (body, param) => {
      const { walletId } = await api.seedWallet({ grant: 1_000 });
      const before = await api.journalSize();
      const answer = await api.call('POST', `/wallets/${walletId}/holds`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
      expect(await api.journalSize()).toBe(before);
    });

    it.each([[{ amount: 1.25 }], [{ amount: -1 }], [{ amount: 'ten' }]])('capture %j', async (body) => {
      const { walletId } = await api.seedWallet({ grant: 1_000 });
      const { id } = await hold(walletId, { amount: 100 });
      const answer = await api.call('POST', `/holds/${id}/capture`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe('amount');
      expect((await api.call('GET', `/holds/${id}`)).body.status).toBe('open');
    });

    it('a release with fields', async () => {
      const answer = await api.call('POST', '/holds/whatever/release', { body: { amount: 1 } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
    });
  });

  it('answers 404 for an unknown hold', async () => {
    for (const [method, path] of [
      ['GET', '/holds/hold_nope'],
      ['POST', '/holds/hold_nope/capture'],
      ['POST', '/holds/hold_nope/release'],
    ] as const) {
      const answer = await api.call(method, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('hold_not_found');
    }
  });
});
