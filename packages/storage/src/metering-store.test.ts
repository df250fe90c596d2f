import {
  bucketStarts,
  foldUsage,
  type PartialRow,
  type UsageDimension,
  type UsageQuery,
  type UsageResult,
} from '@tollgate/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, type StoreKind } from '../../../test/stores.ts';
import { generateUsage } from '../../../test/usage-events.ts';
import { type MeteredEvent, type MeteringStore, meteringStore } from './metering-store.ts';
import { openStore } from './open.ts';
import type { Store } from './store.ts';

const DAY_MS = 86_400_000;
const FROM_MS = Date.UTC(2030, 2, 20);
const events: MeteredEvent[] = [
  ...generateUsage({
    events: 6_000,
    fromMs: FROM_MS,
    days: 20,
    customers: 5,
    users: 40,
    features: 6,
    seed: 7,
  }),
].flat();

const FIELD: Record<UsageDimension, (e: MeteredEvent) => string | null> = {
  customer: (e) => e.customerId,
  team: (e) => e.teamId,
  user: (e) => e.userId,
  feature: (e) => e.feature,
  model: (e) => e.model,
  provider: (e) => e.provider,
  unit: (e) => e.valueUnit,
  session: (e) => e.sessionId,
};

const value = (e: MeteredEvent, key: string) =>
  key.startsWith('tag:') ? (e.tags?.[key.slice(4)] ?? null) : FIELD[key as UsageDimension](e);

/** The answer computed from the events themselves, one slice per event: what every plan must equal. */
function oracle(q: UsageQuery): UsageResult {
  const slices: PartialRow[] = events
    .filter((e) => e.createdAt >= q.fromMs && e.createdAt < q.toMs)
    .filter((e) => Object.entries(q.filters).every(([d, v]) => value(e, d) === v))
    .map((e) => ({
      timeMs: q.granularity ? e.createdAt : null,
      group: q.groupBy.map((g) => value(e, g)),
      moneyUnit: e.unit,
      totals: {
        requests: 1n,
        inputTokens: BigInt(e.inputTokens),
        outputTokens: BigInt(e.outputTokens),
        cachedInputTokens: BigInt(e.cachedInputTokens),
        cacheCreationInputTokens: BigInt(e.cacheCreationInputTokens),
        reasoningTokens: BigInt(e.reasoningTokens),
        cost: e.cost,
        price: e.price,
        cacheHits: e.cacheStatus === 'miss' ? 0n : 1n,
        cacheSavings: e.cacheSavings ?? 0n,
        estimatedRequests: e.estimated ? 1n : 0n,
      },
    }));
  const starts = q.granularity ? bucketStarts(q.fromMs, q.toMs, q.granularity, q.timeZone) : null;
  return foldUsage(q, starts, slices);
}

const query = (fields: Partial<UsageQuery>): UsageQuery => ({
  fromMs: FROM_MS,
  toMs: FROM_MS + 20 * DAY_MS,
  granularity: null,
  timeZone: 'UTC',
  groupBy: [],
  filters: {},
  orderBy: 'price',
  groupsMax: 1_000,
  ...fields,
});

/** Query shapes with the table each must be answered from. */
const SHAPES: [string, UsageQuery, string][] = [
  ['totals', query({}), 'usage_rollup_who_day'],
  [
    'daily series by feature',
    query({ granularity: 'day', groupBy: ['feature'] }),
    'usage_rollup_feature_hour',
  ],
  [
    'by feature and model',
    query({ groupBy: ['feature', 'model'], filters: { provider: 'openai' } }),
    'usage_rollup_what_hour',
  ],
  [
    'daily series by feature in Paris across the DST change',
    query({ granularity: 'day', timeZone: 'Europe/Paris', groupBy: ['feature'] }),
    'usage_rollup_feature_hour',
  ],
  [
    'hourly by model and unit',
    query({ granularity: 'hour', groupBy: ['model', 'unit'] }),
    'usage_rollup_model_hour',
  ],
  [
    'monthly by provider in New York',
    query({ granularity: 'month', timeZone: 'America/New_York', groupBy: ['provider'] }),
    'usage_rollup_model_hour',
  ],
  ['top users', query({ groupBy: ['user'], groupsMax: 10 }), 'usage_rollup_who_day'],
  [
    'top users from mid-day',
    query({
      fromMs: FROM_MS + 5 * 3_600_000,
      toMs: FROM_MS + 9 * DAY_MS + 3_600_000,
      groupBy: ['user'],
      groupsMax: 10,
    }),
    'usage_rollup_who_hour+usage_rollup_who_day',
  ],
  [
    'teams of a customer by day',
    query({ granularity: 'day', groupBy: ['team'], filters: { customer: 'cus_1' } }),
    'usage_rollup_who_day',
  ],
  ['features losing money', query({ groupBy: ['feature'], orderBy: 'margin' }), 'usage_rollup_feature_hour'],
  [
    'features of one customer',
    query({ groupBy: ['feature'], filters: { customer: 'cus_2' } }),
    'usage_events',
  ],
  ['by tag', query({ groupBy: ['tag:env', 'tag:kind'] }), 'usage_events'],
  ['one session', query({ groupBy: ['model'], filters: { session: 'ses_3_4' } }), 'usage_events'],
  [
    'daily in Kolkata (+05:30)',
    query({ granularity: 'day', timeZone: 'Asia/Kolkata', groupBy: ['feature'] }),
    'usage_events',
  ],
  [
    'users, unaligned range',
    query({ fromMs: FROM_MS + 1_234, toMs: FROM_MS + 3 * DAY_MS, groupBy: ['user'], orderBy: 'requests' }),
    'usage_events',
  ],
];

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));

describe('metering store', () => {
  const kinds = inject('stores') as StoreKind[];
  const stores = new Map<StoreKind, { store: Store; metering: MeteringStore }>();

  beforeAll(async () => {
    for (const kind of kinds) {
      const store = openStore(await freshDatabase(kind));
      await store.migrate();
      const metering = meteringStore(store);
      await metering.insertUsageEvents(events);
      stores.set(kind, { store, metering });
    }
  });
  afterAll(async () => {
    for (const { store } of stores.values()) await store.close();
  });

  it.each(SHAPES)('%s: every store equals the raw sums, from the expected table', async (_, q, source) => {
    const expected = json(oracle(q));
    expect(expected.rows.length).toBeGreaterThan(0);
    const answers = [];
    for (const [kind, { metering }] of stores) {
      expect(metering.source(q), kind).toBe(source);
      answers.push(json(await metering.query(q)));
    }
    // Both stores, compared with each other and with the events' own sums.
    for (const answer of answers) expect(answer).toEqual(expected);
  });

  it('hand-checked totals of a few events', async () => {
    const mine = events.filter((e) => e.userId === 'user_3' && e.createdAt < FROM_MS + DAY_MS);
    const cost = mine.reduce((s, e) => s + e.cost, 0n);
    const price = mine.reduce((s, e) => s + e.price, 0n);
    for (const { metering } of stores.values()) {
      const { rows } = await metering.query(query({ toMs: FROM_MS + DAY_MS, filters: { user: 'user_3' } }));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.totals.requests).toBe(BigInt(mine.length));
      expect(rows[0]!.totals.cost).toBe(cost);
      expect(rows[0]!.totals.price).toBe(price);
    }
  });

  it('splits a Paris day series at local midnight: 31 March 2030 has 23 hours', async () => {
    const q = query({
      fromMs: Date.UTC(2030, 2, 30, 23),
      toMs: Date.UTC(2030, 3, 1, 22),
      granularity: 'day',
      timeZone: 'Europe/Paris',
    });
    for (const { metering } of stores.values()) {
      const { rows } = await metering.query(q);
      expect(rows.map((r) => r.bucketMs)).toEqual([Date.UTC(2030, 2, 30, 23), Date.UTC(2030, 2, 31, 22)]);
      const inDay = events.filter(
        (e) => e.createdAt >= Date.UTC(2030, 2, 30, 23) && e.createdAt < Date.UTC(2030, 2, 31, 22),
      );
      expect(rows[0]!.totals.requests).toBe(BigInt(inDay.length));
    }
  });

  it('keeps rollups exact when events are deleted or updated by any writer', async () => {
    for (const { store, metering } of stores.values()) {
      const q = query({ groupBy: ['user'], filters: { customer: 'cus_0' } });
      const before = await metering.query(q);
      const sql = (text: string) =>
        'db' in store
          ? (store as unknown as { db: { exec(s: string): void } }).db.exec(text)
          : (store as unknown as { pool: { query(s: string): Promise<unknown> } }).pool.query(text);
      await sql(`UPDATE usage_events SET cost = cost + 1 WHERE id = '${events[0]!.id}'`);
      await sql(`DELETE FROM usage_events WHERE id = '${events[0]!.id}'`);
      const after = await metering.query(q);
      const user = events[0]!.userId;
      const row = (r: UsageResult) =>
        r.rows.find((x) => x.group.user === user && x.moneyUnit === events[0]!.unit)!;
      expect(row(after).totals.requests).toBe(row(before).totals.requests - 1n);
      expect(row(after).totals.cost).toBe(row(before).totals.cost - events[0]!.cost);
      await metering.insertUsageEvents([events[0]!]);
      expect(json(await metering.query(q))).toEqual(json(before));
    }
  });
});
