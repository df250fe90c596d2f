import { adminRoutes } from '@tollgate/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient, uniqueId } from './test-client.ts';

describeStores('admin grants', (ctx) => {
  let api: AdminClient;
  beforeAll(() => {
    api = adminClient(ctx.store);
  });

  it('grants a lot with expiry and priority, and lists it', async () => {
    const { walletId } = await api.seedWallet();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const body = {
      amount: '5000000',
      unit: 'usd',
      source: 'promo',
      expires_at: expiresAt,
      priority: 10,
      reason: 'welcome',
    };
    const granted = await api.call('POST', `/wallets/${walletId}/grants`, { body });
    expect(granted.status).toBe(201);
    const grant = adminRoutes.createGrant.response.parse(granted.body);
    expect(grant).toMatchObject({
      object: 'grant',
      wallet_id: walletId,
      amount: 5_000_000,
      remaining: 5_000_000,
      source: 'promo',
      expires_at: expiresAt,
      priority: 10,
      wallet: { balance: 5_000_000, available: 5_000_000 },
    });
    const listed = await api.call('GET', `/wallets/${walletId}/grants`);
    expect(listed.body).toEqual({
      object: 'list',
      data: [granted.body].map(({ wallet: _, ...lot }) => lot),
      next_cursor: null,
    });
    const journal = await api.call('GET', `/transactions/${grant.transaction_id}`);
    expect(journal.body).toMatchObject({ type: 'grant', amount: 5_000_000, reason: 'welcome' });
  });

  it('applies the defaults: purchase, priority 50, no expiry', async () => {
    const { walletId } = await api.seedWallet();
    const granted = await api.call('POST', `/wallets/${walletId}/grants`, { body: { amount: 1 } });
    expect(granted.body).toMatchObject({ source: 'purchase', priority: 50, expires_at: null });
  });

  describe('refuses bad input with 400 naming the field, and writes nothing', () => {
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['negative', { amount: -5 }, 'amount', 'negative|positive'],
      ['zero', { amount: 0 }, 'amount', 'positive'],
      ['float', { amount: 1.5 }, 'amount', 'whole number'],
      ['fractional string', { amount: '1.5' }, 'amount', 'whole number'],
      ['negative string', { amount: '-5' }, 'amount', 'positive'],
      ['2^53', { amount: 9_007_199_254_740_992 }, 'amount', '2\\^53'],
      ['2^53 as a string', { amount: '9007199254740992' }, 'amount', '2\\^53'],
      ['exponent string', { amount: '1e6' }, 'amount', 'decimal digits'],
      ['boolean', { amount: true }, 'amount', 'integer number of micros'],
      ['null', { amount: null }, 'amount', 'integer number of micros'],
      ['missing', {}, 'amount', 'required'],
      ['expiry in the past', { amount: 1, expires_at: '2001-01-01T00:00:00Z' }, 'expires_at', 'future'],
      ['expiry not a date', { amount: 1, expires_at: 'tomorrow' }, 'expires_at', 'ISO 8601'],
      ['priority too high', { amount: 1, priority: 1001 }, 'priority', 'at most 1000'],
      ['priority fractional', { amount: 1, priority: 1.5 }, 'priority', 'integer'],
      ['unknown source', { amount: 1, source: 'gift' }, 'source', 'one of'],
      ['unknown field', { amount: 1, amout: 2 }, 'amout', 'not a known field'],
      ['bad unit', { amount: 1, unit: 'U S D' }, 'unit', 'lower case'],
    ];
    it.each(cases)('%s', async (_name, body, param, message) => {
      const { walletId } = await api.seedWallet();
      const before = await api.journalSize();
      const answer = await api.call('POST', `/wallets/${walletId}/grants`, {
        body,
        idempotencyKey: uniqueId('k'),
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(answer.body.error.code).toMatch(/^parameter_(invalid|missing)$/);
      expect(answer.body.error.message).toMatch(new RegExp(message));
      expect(await api.journalSize()).toBe(before);
      expect((await api.call('GET', `/wallets/${walletId}`)).body.balance).toBe(0);
    });

    it('a unit that does not match the wallet: 400 param unit', async () => {
      const { walletId } = await api.seedWallet({ unit: 'usd' });
      const before = await api.journalSize();
      const answer = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { amount: 1, unit: 'eur' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'unit_mismatch', param: 'unit' });
      expect(await api.journalSize()).toBe(before);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first result with the same status, body and a replay header', async () => {
      const { walletId } = await api.seedWallet();
      const key = uniqueId('grant');
      const first = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { amount: 100 },
        idempotencyKey: key,
      });
      // Same request in another spelling: "100" and 100 are the same amount, defaults are implied.
      const replay = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { source: 'purchase', amount: '100' },
        idempotencyKey: key,
      });
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(replay.status).toBe(first.status);
      expect(replay.text).toBe(first.text);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect((await api.call('GET', `/wallets/${walletId}`)).body.balance).toBe(100);
    });

    it('refuses the same key for a different body with 409, writing nothing', async () => {
      const { walletId } = await api.seedWallet();
      const key = uniqueId('grant');
      await api.call('POST', `/wallets/${walletId}/grants`, { body: { amount: 100 }, idempotencyKey: key });
      const before = await api.journalSize();
      const reused = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { amount: 101 },
        idempotencyKey: key,
      });
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('idempotency_key_reused');
      const otherRoute = await api.call('POST', `/wallets/${walletId}/deductions`, {
        body: { amount: 100 },
        idempotencyKey: key,
      });
      expect(otherRoute.body.error.code).toBe('idempotency_key_reused');
      expect(await api.journalSize()).toBe(before);
    });

    it.each([
      ['empty', ''],
      ['too long', 'k'.repeat(256)],
      ['with a space', 'a b'],
    ])('refuses a key that is %s', async (_name, key) => {
      const { walletId } = await api.seedWallet();
      const before = await api.journalSize();
      const answer = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { amount: 1 },
        idempotencyKey: key,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'Idempotency-Key' });
      expect(await api.journalSize()).toBe(before);
    });

    it('accepts a key of 255 characters', async () => {
      const { walletId } = await api.seedWallet();
      const key = `${uniqueId('k')}`.padEnd(255, 'x');
      const answer = await api.call('POST', `/wallets/${walletId}/grants`, {
        body: { amount: 1 },
        idempotencyKey: key,
      });
      expect(answer.status).toBe(201);
    });
  });
});
