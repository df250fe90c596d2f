import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../../../../test/stores.ts';
import { type AdminClient, adminClient } from './test-client.ts';

describeStores('admin ledger', (ctx) => {
  let api: AdminClient;
  let now = Date.now();
  beforeAll(() => {
    // A clock of our own, so expiries fall due without waiting.
    api = adminClient(ctx.store, { clock: () => now });
  });

  it('verifies the journal', async () => {
    await api.seedWallet({ grant: 1_000 });
    const answer = await api.call('GET', '/ledger/verify');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ object: 'ledger_verification', ok: true, violations: [] });
  });

  it('settles due expiries and reports what broke', async () => {
    const { walletId } = await api.seedWallet();
    const expiresAt = new Date(now + 10 * 60_000).toISOString();
    await api.call('POST', `/wallets/${walletId}/grants`, { body: { amount: 700, expires_at: expiresAt } });
    await api.call('POST', `/wallets/${walletId}/holds`, { body: { amount: 100, ttl_ms: 60_000 } });
    now += 11 * 60_000;
    const answer = await api.call('POST', '/ledger/expire');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ object: 'expiry_summary', wallets: 1, holds_expired: 1, breakage: 700 });
    expect((await api.call('GET', `/wallets/${walletId}`)).body).toMatchObject({ balance: 0, pending: 0 });
    const types = (await api.call('GET', `/transactions?wallet_id=${walletId}`)).body.data.map(
      (t: { type: string }) => t.type,
    );
    expect(types).toEqual(['grant', 'hold', 'hold_expiry', 'breakage']);
    expect((await api.call('GET', '/ledger/verify')).body.ok).toBe(true);
  });
});
