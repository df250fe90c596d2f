import { newId } from '@tollgate/domain';
import { countChatPromptTokens } from '@tollgate/providers';
import { type BudgetRow, budgetStore } from '@tollgate/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StoreKind } from '../stores.ts';
import { type Account, expectedHold, type Harness, startHarness, waitFor } from './harness.ts';

/** Budgets through the real gateway: hard caps under races, 429 with retry-after, soft warnings. */
const BODY = { model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'Say hi.' }] };

function call(h: Harness, account: Account, headers: Record<string, string> = {}) {
  return fetch(`${h.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(BODY),
  });
}

function budget(customerId: string, fields: Partial<BudgetRow>): BudgetRow {
  return {
    id: newId('bud'),
    customerId,
    teamId: null,
    userId: null,
    feature: null,
    model: null,
    keyId: null,
    sessionId: null,
    period: 'month',
    amount: 0n,
    mode: 'hard',
    timezone: 'UTC',
    createdAt: Date.now(),
    archivedAt: null,
    ...fields,
  };
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`budgets at the gateway [${kind}]`, () => {
    let h: Harness;
    let holdMicros: bigint;
    beforeAll(async () => {
      h = await startHarness(kind);
      // What one call holds: its price at max_tokens (the same body holds the same everywhere).
      holdMicros = expectedHold('openai', BODY.model, countChatPromptTokens(BODY.messages, 'o200k_base'), 50);
      expect(BODY.max_tokens).toBe(50);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('100 concurrent calls against a hard budget that affords 30: exactly 30 go upstream, 70 get 429 with retry-after', async () => {
      const account = await h.account();
      const cap = budget(account.customerId, { amount: holdMicros * 30n, mode: 'hard' });
      await budgetStore(h.store).createBudget(cap);
      // Upstream answers only once every call was admitted or refused: no capture frees anything first.
      h.fake.reset();
      h.fake.pause();
      const pending = Array.from({ length: 100 }, () => call(h, account));
      let refused: Response[] = [];
      try {
        await waitFor(() => h.fake.requests.length === 30, 20_000, '30 calls upstream');
        refused = await Promise.all(
          pending.map((p) => Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), 2_000))])),
        ).then((all) => all.filter((r): r is Response => r !== null));
      } finally {
        h.fake.resume();
      }
      const responses = await Promise.all(pending);
      expect(refused).toHaveLength(70);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(30);
      expect(h.fake.requests).toHaveLength(30);
      const monthEnd = new Date();
      const resetsIn =
        (Date.UTC(monthEnd.getUTCFullYear(), monthEnd.getUTCMonth() + 1, 1) - Date.now()) / 1000;
      for (const response of refused) {
        expect(response.status).toBe(429);
        const body = (await response.json()) as { error: { code: string; type: string } };
        expect(body.error).toMatchObject({ code: 'budget_exceeded', type: 'rate_limit_error' });
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        // Within the calls' few seconds of the month's end (UTC).
        expect(Math.abs(retryAfter - resetsIn)).toBeLessThan(30);
      }
      // Nothing billed for a refused call; the budget counts exactly what the 30 were charged.
      await h.settled();
      const events = await h.data.listUsageEvents({ customerId: account.customerId, limit: 200 });
      expect(events.data).toHaveLength(30);
      const charged = events.data.reduce((sum, e) => sum + e.price, 0n);
      const usage = await budgetStore(h.store).budgetUsage(cap.id, '0', null);
      expect(usage).toEqual({ spent: charged, pending: 0n });
      expect(usage.spent).toBeLessThanOrEqual(cap.amount);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('a per-user budget inside a shared wallet stops that user only', async () => {
      const account = await h.account();
      await budgetStore(h.store).createBudget(
        budget(account.customerId, {
          userId: 'alice',
          amount: holdMicros,
          period: 'day',
          timezone: 'Europe/Paris',
        }),
      );
      expect((await call(h, account, { 'x-tollgate-user': 'alice' })).status).toBe(200);
      const again = await call(h, account, { 'x-tollgate-user': 'alice' });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
      expect((await call(h, account, { 'x-tollgate-user': 'bob' })).status).toBe(200);
      expect(await h.ledger.verify()).toEqual([]);
    });

    it('a soft cap lets the call through with x-tollgate-budget: warning', async () => {
      const account = await h.account();
      const calm = await call(h, account);
      expect(calm.status).toBe(200);
      expect(calm.headers.get('x-tollgate-budget')).toBeNull();
      await budgetStore(h.store).createBudget(
        budget(account.customerId, { amount: 1n, mode: 'soft', period: 'hour' }),
      );
      // The gateway's budget cache trusts what it read for a second.
      await new Promise((r) => setTimeout(r, 1_100));
      const warned = await call(h, account);
      expect(warned.status).toBe(200);
      expect(warned.headers.get('x-tollgate-budget')).toBe('warning');
    });
  });
}
