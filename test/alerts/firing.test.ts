import { type AlertsStore, alertsStore, Ledger, openStore, type Store } from '@tollgate/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertEngine, type FiredAlert } from '../../packages/server/src/alerts/engine.ts';
import { seedWallet, uniqueId, usageEvent } from '../fixtures/wallets.ts';
import { describeStores } from '../stores.ts';

const USD = 1_000_000n;
const CONCURRENT_CALLS = 50;

describeStores('alert firing', (ctx) => {
  let alerts: AlertsStore;
  let other: Store;
  let channelId: string;
  beforeAll(async () => {
    alerts = alertsStore(ctx.store);
    // A second connection to the same database: a second gateway instance.
    other = openStore(ctx.url);
    channelId = uniqueId('ach');
    await alerts.createChannel({
      id: channelId,
      kind: 'webhook',
      customerId: null,
      config: { url: 'http://127.0.0.1:9/unused', secret: 'plain:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      createdAt: Date.now(),
    });
  });
  afterAll(async () => {
    await other?.close();
  });

  async function addRule(kind: string, params: Record<string, unknown>, customerId: string | null = null) {
    const id = uniqueId('arl');
    await alerts.createRule({ id, kind, customerId, params, channelIds: [channelId], createdAt: Date.now() });
    return id;
  }

  it('fires once for one crossing under 50 concurrent calls on two instances, and again on the next crossing', async () => {
    const ledgers = [new Ledger(ctx.store), new Ledger(other)];
    const engines = ledgers.map((ledger, i) =>
      new AlertEngine({ store: i === 0 ? ctx.store : other, ledger, debounceMs: 1, log: () => {} }).start(),
    );
    const fired: FiredAlert[] = [];
    for (const engine of engines) engine.onAlert((alert) => fired.push(alert));
    try {
      const { customerId, walletId } = await seedWallet(ctx.store, ledgers[0]!, 100n * USD);
      const ruleId = await addRule('balance_below', { threshold: (50n * USD).toString() }, customerId);
      const emptyRuleId = await addRule('wallet_empty', {}, customerId);

      // 50 calls of 1.5 usd: the balance crosses 50 usd once, at the 34th, with calls racing on both sides.
      const results = await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, (_, i) =>
          ledgers[i % 2]!.submit({ command: { kind: 'deduct', walletId, amount: (3n * USD) / 2n } }),
        ),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      // And every engine evaluating the wallet at once, 50 times over.
      await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, (_, i) => engines[i % 2]!.evaluateWallets([walletId])),
      );
      await Promise.all(engines.map((e) => e.settle()));

      const events = await alerts.listEvents(ruleId);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.payload)).toMatchObject({
        type: 'wallet.low_balance',
        data: { wallet_id: walletId, customer_id: customerId, available: 25_000_000, threshold: 50_000_000 },
      });
      expect(await alerts.listDeliveries({ ruleId, limit: 100 })).toHaveLength(1);
      expect(fired.filter((f) => f.ruleId === ruleId)).toHaveLength(1);
      expect(await alerts.listEvents(emptyRuleId)).toHaveLength(0);

      // Still below: nothing new. Back above: re-armed. Below again: a second crossing fires once more.
      await ledgers[0]!.submit({ command: { kind: 'deduct', walletId, amount: USD } });
      await engines[0]!.evaluateWallets([walletId]);
      expect(await alerts.listEvents(ruleId)).toHaveLength(1);
      await ledgers[0]!.submit({
        command: {
          kind: 'grant',
          walletId,
          amount: 60n * USD,
          source: 'purchase',
          expiresAt: null,
          priority: 0,
        },
      });
      await Promise.all(engines.map((e) => e.evaluateWallets([walletId])));
      await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, (_, i) =>
          ledgers[i % 2]!.submit({ command: { kind: 'deduct', walletId, amount: USD } }),
        ),
      );
      await Promise.all(engines.map((e) => e.settle()));
      await Promise.all(engines.map((e) => e.evaluateWallets([walletId])));
      const after = await alerts.listEvents(ruleId);
      expect(after.map((e) => e.periodKey)).toEqual(['crossing-0', 'crossing-1']);
      // 84 − 50 = 34 usd left: not empty.
      expect(await alerts.listEvents(emptyRuleId)).toHaveLength(0);
    } finally {
      await Promise.all(engines.map((e) => e.stop()));
    }
  });

  it('fires a periodic rule once per period under 50 concurrent evaluations, and again in the next period', async () => {
    let now = Date.parse('2030-01-01T10:00:10Z');
    const clock = () => now;
    const ledger = new Ledger(ctx.store, { clock });
    const engines = [ctx.store, other].map(
      (store) => new AlertEngine({ store, ledger, clock, log: () => {} }),
    );
    const { customerId, walletId } = await seedWallet(ctx.store, ledger, 1_000n * USD);
    const ruleId = await addRule('spend_rate', {
      amount: (10n * USD).toString(),
      window: 'hour',
      scope: 'user',
    });
    const spend = async (userId: string, price: bigint) => {
      const result = await ledger.submit({
        command: {
          kind: 'deduct',
          walletId,
          amount: price,
          usageEvent: usageEvent({ customerId, walletId, userId, price, at: now }),
        },
      });
      expect(result.ok).toBe(true);
    };
    const evaluateAtOnce = () =>
      Promise.all(Array.from({ length: CONCURRENT_CALLS }, (_, i) => engines[i % 2]!.evaluateAll()));

    await spend('alice', 6n * USD);
    await spend('bob', 9n * USD);
    await evaluateAtOnce();
    expect(await alerts.listEvents(ruleId)).toHaveLength(0);

    await spend('alice', 5n * USD);
    await evaluateAtOnce();
    now = Date.parse('2030-01-01T10:59:59Z');
    await spend('alice', 5n * USD);
    await evaluateAtOnce();
    const first = await alerts.listEvents(ruleId);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      subject: `user:${customerId}/alice`,
      periodKey: 'hour:2030-01-01T10:00:00.000Z',
    });
    expect(JSON.parse(first[0]!.payload)).toMatchObject({
      type: 'spend.rate_exceeded',
      data: { scope: 'user', scope_value: 'alice', spent: 11_000_000, amount: 10_000_000, window: 'hour' },
    });

    // The next hour starts from zero: fires again only once alice spends more than 10 usd in it.
    now = Date.parse('2030-01-01T11:00:05Z');
    await evaluateAtOnce();
    expect(await alerts.listEvents(ruleId)).toHaveLength(1);
    await spend('alice', 11n * USD);
    await evaluateAtOnce();
    const events = await alerts.listEvents(ruleId);
    expect(events.map((e) => e.periodKey)).toEqual([
      'hour:2030-01-01T10:00:00.000Z',
      'hour:2030-01-01T11:00:00.000Z',
    ]);
    expect(await alerts.listDeliveries({ ruleId, limit: 100 })).toHaveLength(2);
  });

  it('evaluates budget rules when a budget source exists, once per budget period', async () => {
    let spent = 70n * USD;
    let periodKey = 'month:2030-01';
    const budgets = {
      budgetUsage: async (budgetId: string) => ({
        budgetId,
        customerId: null,
        unit: 'usd',
        amount: 100n * USD,
        spent,
        periodKey,
      }),
    };
    const engine = new AlertEngine({
      store: ctx.store,
      ledger: new Ledger(ctx.store),
      budgets,
      log: () => {},
    });
    const ruleId = await addRule('budget_used', { budget_id: 'bud_1', percent: 80 });
    await engine.evaluateAll();
    expect(await alerts.listEvents(ruleId)).toHaveLength(0);
    spent = 85n * USD;
    await Promise.all([engine.evaluateAll(), engine.evaluateAll()]);
    spent = 95n * USD;
    await engine.evaluateAll();
    periodKey = 'month:2030-02';
    await engine.evaluateAll();
    // Both can be written in one millisecond, and ids are random: order by period, not by id.
    const events = (await alerts.listEvents(ruleId)).sort((a, b) => (a.periodKey < b.periodKey ? -1 : 1));
    expect(events.map((e) => e.periodKey)).toEqual(['month:2030-01', 'month:2030-02']);
    expect(JSON.parse(events[0]!.payload).data).toMatchObject({
      budget_id: 'bud_1',
      percent: 80,
      used_percent: 85,
    });
    // Without a source the rule is kept and skipped.
    await new AlertEngine({ store: ctx.store, ledger: new Ledger(ctx.store), log: () => {} }).evaluateAll();
    expect(await alerts.listEvents(ruleId)).toHaveLength(2);
  });
});
