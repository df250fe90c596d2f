/**
 * `npm run bench:usage`: bulk ingest of generated usage events (events/s, in batches) and the
 * latency of two reports over them — a 30-day daily series by feature (days in Europe/Paris) and
 * the top 100 users by price — on SQLite and PostgreSQL side by side, against the goals.
 *
 * Environment: TOLLGATE_BENCH_DATABASE_URL (admin connection; a fresh database is created and
 * dropped), TOLLGATE_BENCH_STORES (default `sqlite,postgres`), TOLLGATE_BENCH_EVENTS (1000000),
 * TOLLGATE_BENCH_QUERY_RUNS (5). `--markdown` prints the table as Markdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageQuery } from '@tollgate/domain';
import { meteringStore, openStore, type Store } from '@tollgate/storage';
import pg from 'pg';
import { generateUsage } from '../test/usage-events.ts';
import { markdownTable, percentileMs, table } from './stats.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const ADMIN_URL = env('TOLLGATE_BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test');
const STORES = env('TOLLGATE_BENCH_STORES', 'sqlite,postgres').split(',');
const EVENTS = Number(env('TOLLGATE_BENCH_EVENTS', '1000000'));
const QUERY_RUNS = Number(env('TOLLGATE_BENCH_QUERY_RUNS', '5'));
/** Events handed to insertUsageEvents per call (it writes them 500 to a statement). */
const BATCH_EVENTS = 5_000;
const DAYS = 30;
const DAY_MS = 86_400_000;
const INGEST_GOAL_PER_S = 20_000;
const QUERY_GOAL_MS = 300;

const toMs = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const fromMs = toMs - DAYS * DAY_MS;
const shape = { events: EVENTS, fromMs, days: DAYS, customers: 100, users: 1_000, features: 20, seed: 1 };

const base = { fromMs, toMs, filters: {}, orderBy: 'price' as const };
const QUERIES: { name: string; query: UsageQuery }[] = [
  {
    name: '30-day daily series by feature (Europe/Paris)',
    query: { ...base, granularity: 'day', timeZone: 'Europe/Paris', groupBy: ['feature'], groupsMax: 1_000 },
  },
  {
    name: 'top 100 users, 30 days',
    query: { ...base, granularity: null, timeZone: 'UTC', groupBy: ['user'], groupsMax: 100 },
  },
];

interface Figures {
  store: string;
  eventsPerS: number;
  queries: { name: string; p50Ms: number; source: string; rows: number }[];
}

async function withStore<T>(kind: string, run: (store: Store) => Promise<T>): Promise<T> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-usage-'));
    const store = openStore(`sqlite:${join(dir, 'tollgate.db')}`);
    try {
      await store.migrate();
      return await run(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const name = `tollgate_bench_usage_${process.pid}`;
  const admin = new pg.Client(ADMIN_URL);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = openStore(url.toString());
  try {
    await store.migrate();
    return await run(store);
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function measure(kind: string, store: Store): Promise<Figures> {
  const metering = meteringStore(store);
  let insertMs = 0;
  for (const batch of generateUsage(shape, BATCH_EVENTS)) {
    const started = performance.now();
    await metering.insertUsageEvents(batch);
    insertMs += performance.now() - started;
  }
  const eventsPerS = EVENTS / (insertMs / 1000);
  const queries = [];
  for (const { name, query } of QUERIES) {
    const samples: number[] = [];
    let rows = 0;
    for (let run = 0; run < QUERY_RUNS; run++) {
      const started = performance.now();
      rows = (await metering.query(query)).rows.length;
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    queries.push({ name, p50Ms: percentileMs(samples, 50), source: metering.source(query), rows });
  }
  return { store: kind, eventsPerS, queries };
}

const results: Figures[] = [];
for (const kind of STORES) {
  process.stderr.write(`${kind}: ingesting ${EVENTS.toLocaleString('en-US')} events…\n`);
  results.push(await withStore(kind, (store) => measure(kind, store)));
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const header = ['measure', 'goal', ...results.map((r) => r.store), 'answered from'];
const rows = [
  [
    `ingest (batches of ${BATCH_EVENTS.toLocaleString('en-US')})`,
    `≥ ${INGEST_GOAL_PER_S.toLocaleString('en-US')} events/s`,
    ...results.map(
      (r) =>
        `${Math.round(r.eventsPerS).toLocaleString('en-US')}/s ${verdict(r.eventsPerS >= INGEST_GOAL_PER_S)}`,
    ),
    'usage_events + rollup triggers',
  ],
  ...QUERIES.map(({ name }, i) => [
    `${name}, p50 of ${QUERY_RUNS}`,
    `< ${QUERY_GOAL_MS} ms`,
    ...results.map(
      (r) =>
        `${r.queries[i]!.p50Ms.toFixed(1)} ms ${verdict(r.queries[i]!.p50Ms < QUERY_GOAL_MS)} (${r.queries[i]!.rows} rows)`,
    ),
    results[0]?.queries[i]?.source ?? '',
  ]),
];
console.log(
  `${EVENTS.toLocaleString('en-US')} events over ${DAYS} days, 1,000 users, 100 customers, 20 features, 4 models`,
);
console.log(process.argv.includes('--markdown') ? markdownTable(header, rows) : table(header, rows));
