import type { RateCard, UsageEvent } from '@tollgate/domain';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient } from '../../packages/server/src/admin/test-client.ts';
import type { StoreKind } from '../stores.ts';
import { type Account, divRoundHalfUp, type Harness, startHarness, waitFor } from './harness.ts';

/**
 * Rate changes under traffic, through the real gateway and the official OpenAI SDK: every call is
 * priced by the one card in effect when the gateway admitted it (looked up once, before the hold),
 * and a card added on one instance prices another instance's calls within seconds.
 */

interface Rates {
  input: number;
  output: number;
}
const OLD: Rates = { input: 1_000_000, output: 2_000_000 };
const NEW: Rates = { input: 3_000_000, output: 5_000_000 };
/** DESIGN.md §3 applied by hand: all tokens at their rate, one half-up rounding. */
const costAt = (rates: Rates, e: UsageEvent): bigint =>
  divRoundHalfUp(
    BigInt(e.inputTokens) * BigInt(rates.input) + BigInt(e.outputTokens) * BigInt(rates.output),
    1_000_000n,
  );

const WORKERS = 6;
/** Calls completed on each side of the change, at the least. */
const CALLS_MIN = 4 * WORKERS;
/** How soon another instance must price by a card added elsewhere (it polls every 2 s). */
const PROPAGATION_MS_MAX = 3_000;

function client(baseUrl: string, account: Account): OpenAI {
  return new OpenAI({ apiKey: account.key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
}

async function call(openai: OpenAI, model: string): Promise<{ requestId: string; cost: bigint }> {
  const { response } = await openai.chat.completions
    .create({ model, messages: [{ role: 'user', content: 'Say hi' }] })
    .withResponse();
  return {
    requestId: response.headers.get('x-tollgate-request-id')!,
    cost: BigInt(response.headers.get('x-tollgate-cost')!),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of inject('stores') as StoreKind[]) {
  describe(`rate cards through the gateway [${kind}]`, () => {
    let h: Harness;
    let admin: ReturnType<typeof adminClient>;
    beforeAll(async () => {
      h = await startHarness(kind);
      admin = adminClient(h.store, {}, h.runtime);
    });
    afterAll(async () => {
      await h?.close();
    });

    const postCard = async (model: string, rates: Rates): Promise<{ effectiveFrom: number }> => {
      const answer = await admin.call('POST', '/rate-cards', {
        body: { provider: 'openai', model, ...rates },
      });
      expect(answer.status, answer.text).toBe(201);
      return { effectiveFrom: Date.parse(answer.body.effective_from) };
    };

    it('a rate change in the middle of traffic: calls before it priced by the old card, after it by the new, none mispriced', async () => {
      const family = `gpt-midtraffic-${kind}`;
      await postCard(family, OLD);
      const account = await h.account();
      const openai = client(h.baseUrl, account);

      // Watch the gateway's lookups: when each call chose its card, and which. A model name per
      // call (`family-N`, priced by the family's card) ties a lookup to its usage event.
      const lookups = new Map<string, { at: number; card: RateCard | null }[]>();
      const rateCards = h.runtime.rateCards;
      const find = rateCards.find.bind(rateCards);
      rateCards.find = (provider, model, at) => {
        const card = find(provider, model, at);
        if (model.startsWith(family)) lookups.set(model, [...(lookups.get(model) ?? []), { at, card }]);
        return card;
      };

      let next = 0;
      let done = 0;
      let stop = false;
      const worker = async (): Promise<void> => {
        while (!stop) {
          // A little upstream latency, so that calls are in flight while the card changes.
          h.fake.enqueue('/v1/chat/completions', { headersDelayMs: 10 });
          await call(openai, `${family}-${next++}`);
          done++;
        }
      };
      let change = { effectiveFrom: 0 };
      try {
        const workers = Array.from({ length: WORKERS }, worker);
        await waitFor(() => done >= CALLS_MIN, 10_000, 'calls before the change');
        // Hold the upstream answers so that some calls admitted under the old card settle after the change.
        h.fake.pause();
        const held = h.fake.requests.length;
        await waitFor(() => h.fake.requests.length >= held + 3, 5_000, 'calls in flight');
        change = await postCard(family, NEW);
        await sleep(20);
        h.fake.resume();
        const before = done;
        await waitFor(() => done >= before + CALLS_MIN, 10_000, 'calls after the change');
        stop = true;
        await Promise.all(workers);
      } finally {
        stop = true;
        h.fake.resume();
        rateCards.find = find;
      }

      const T = change.effectiveFrom;
      await h.settled();
      const events: UsageEvent[] = [];
      for (let afterSeq: bigint | undefined; ; ) {
        const page = await h.data.listUsageEvents({ customerId: account.customerId, afterSeq, limit: 200 });
        events.push(...page.data);
        if (page.nextSeq === null) break;
        afterSeq = page.nextSeq;
      }
      expect(events.length).toBe(next);
      const tally = { settledBefore: 0, inFlight: 0, after: 0 };
      for (const event of events) {
        // One card per call, looked up once.
        const seen = lookups.get(event.model) ?? [];
        expect(seen, event.model).toHaveLength(1);
        const { at, card } = seen[0]!;
        const expected = at >= T ? NEW : OLD;
        expect({ model: event.model, input: card?.input, cost: event.cost }).toEqual({
          model: event.model,
          input: BigInt(expected.input),
          cost: costAt(expected, event),
        });
        if (event.createdAt < T) {
          // Settled before the change: the old card, whatever the lookup says.
          expect(event.cost).toBe(costAt(OLD, event));
          tally.settledBefore++;
        } else if (at < T) tally.inFlight++;
        else tally.after++;
      }
      // Each kind of call happened: settled before, admitted before but settled after, admitted after.
      expect(tally.settledBefore).toBeGreaterThan(0);
      expect(tally.inFlight).toBeGreaterThanOrEqual(3);
      expect(tally.after).toBeGreaterThan(0);
      // The ledger charged what the events say (a customer with no plan pays the cost).
      const wallet = await h.wallet(account.walletId);
      const charged = events.reduce((sum, e) => sum + e.price, 0n);
      expect(wallet.pending).toBe(0n);
      expect(charged).toBe(events.reduce((sum, e) => sum + e.cost, 0n));
    });

    // Instances share a store only on PostgreSQL (SQLite is one process's file): registered there only.
    (kind === 'postgres' ? it : () => {})(
      `within ${PROPAGATION_MS_MAX / 1000} s on every instance that shares PostgreSQL`,
      async () => {
        const model = 'gpt-shared';
        await postCard(model, OLD);
        // Instance B: its own runtime and connection pool on the same database; it only polls.
        const b = await h.spawnInstance();
        const account = await h.account();
        const viaB = client(b.baseUrl, account);
        const first = await call(viaB, model);
        const usage = (await h.usageEvent(first.requestId))!;
        expect(first.cost).toBe(costAt(OLD, usage));

        const { effectiveFrom } = await postCard(model, NEW);
        const costs: bigint[] = [];
        let priced = 0;
        await waitFor(
          async () => {
            costs.push((await call(viaB, model)).cost);
            if (costs.at(-1) === costAt(NEW, usage)) priced = Date.now();
            return priced > 0;
          },
          PROPAGATION_MS_MAX + 1_000,
          'instance B to price by the new card',
        );
        expect(priced - effectiveFrom).toBeLessThanOrEqual(PROPAGATION_MS_MAX);
        // Until then the old card, from then on the new: never a third price.
        const firstNew = costs.indexOf(costAt(NEW, usage));
        expect(costs.slice(0, firstNew).every((c) => c === costAt(OLD, usage))).toBe(true);
        for (let i = 0; i < 5; i++) expect((await call(viaB, model)).cost).toBe(costAt(NEW, usage));
      },
    );
  });
}
