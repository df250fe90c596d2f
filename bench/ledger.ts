/**
 * `npm run bench:ledger`: hold + capture pairs per second on Tollgate's ledger beside a naive
 * one-transaction-per-operation baseline, measured in the same run, on SQLite and PostgreSQL.
 *
 * Each client loops: hold(random amount) → capture(random amount ≤ hold), for a warm-up and then a
 * measured period per scenario; a pair's latency is from the hold's submit to the capture's result.
 * After every run the ledger's invariants are checked (`ledger.verify()`, or the baseline's
 * equivalent) and the violations counted.
 *
 * Environment: TOLLGATE_BENCH_DATABASE_URL (admin connection; a fresh database is created and
 * dropped), TOLLGATE_BENCH_STORES (default `sqlite,postgres`), TOLLGATE_BENCH_DURATION_MS (5000),
 * TOLLGATE_BENCH_WARMUP_MS (1000), TOLLGATE_BENCH_CLIENTS (64), TOLLGATE_BENCH_WALLETS_MAX
 * (skip scenarios with more wallets, e.g. 1 for the hot wallet only). `--markdown` prints the table as
 * Markdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore, SqliteStore, type Store } from '@tollgate/storage';
import pg from 'pg';
import { NaivePostgresLedger, NaiveSqliteLedger } from './naive-ledger.ts';
import { fixed, grouped, markdownTable, type RunFigures, type Summary, summarize, table } from './stats.ts';
import type { BenchSubject } from './subject.ts';
import { TollgateLedger } from './tollgate-ledger.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const DURATION_MS = Number(env('TOLLGATE_BENCH_DURATION_MS', '5000'));
const WARMUP_MS = Number(env('TOLLGATE_BENCH_WARMUP_MS', '1000'));
const CLIENTS = Number(env('TOLLGATE_BENCH_CLIENTS', '64'));
const STORES = env('TOLLGATE_BENCH_STORES', 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim());
const ADMIN_URL = env('TOLLGATE_BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test');

/** Holds of 1 micro to 1 usd; captures of 1 micro up to the hold. */
const HOLD_MICROS_MAX = 1_000_000;
/**
 * Funding per wallet: far more than a run can spend, so that the faster implementation is not
 * slowed by refusals the slower one never reaches. Refusals are still counted.
 */
const FUNDING_MICROS = 1_000_000_000_000n;

interface Scenario {
  name: string;
  wallets: number;
}
const SCENARIOS: Scenario[] = [
  { name: 'hot wallet', wallets: 1 },
  { name: '1,000 wallets', wallets: 1_000 },
].filter((s) => s.wallets <= Number(env('TOLLGATE_BENCH_WALLETS_MAX', 'Infinity')));

interface Row {
  store: string;
  scenario: string;
  implementation: string;
  summary: Summary;
  violations: number;
}

const randomMicros = (max: number): bigint => BigInt(1 + Math.floor(Math.random() * max));

/** Runs `clients` loops of hold → capture until `durationMs` has passed; collects pair latencies. */
async function drive(
  subject: BenchSubject,
  walletIds: readonly string[],
  clients: number,
  durationMs: number,
) {
  const figures: RunFigures = { pairs: 0, refused: 0, durationMs: 0, latenciesMs: [] };
  const start = performance.now();
  const until = start + durationMs;
  const loop = async () => {
    while (performance.now() < until) {
      const walletId = walletIds[Math.floor(Math.random() * walletIds.length)]!;
      const begun = performance.now();
      const held = randomMicros(HOLD_MICROS_MAX);
      const holdId = await subject.hold(walletId, held);
      if (holdId === null) {
        figures.refused++;
        continue;
      }
      await subject.capture(holdId, randomMicros(Number(held)));
      figures.latenciesMs.push(performance.now() - begun);
      figures.pairs++;
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  figures.durationMs = performance.now() - start;
  return figures;
}

async function run(store: string, scenario: Scenario, subject: BenchSubject, prefix: string): Promise<Row> {
  const walletIds = Array.from(
    { length: scenario.wallets },
    (_, i) => `${prefix}_${String(i).padStart(4, '0')}`,
  );
  await subject.createWallets(walletIds, FUNDING_MICROS);
  await drive(subject, walletIds, CLIENTS, WARMUP_MS);
  const summary = summarize(await drive(subject, walletIds, CLIENTS, DURATION_MS));
  const violations = await subject.violations();
  const row = { store, scenario: scenario.name, implementation: subject.implementation, summary, violations };
  console.error(
    `${store.padEnd(8)} ${scenario.name.padEnd(13)} ${subject.implementation.padEnd(8)} ` +
      `${grouped(summary.pairsPerS).padStart(7)} pairs/s  p50 ${fixed(summary.p50Ms, 2)} ms  p99 ${fixed(summary.p99Ms, 2)} ms  ` +
      `refused ${summary.refused}  violations ${violations}`,
  );
  return row;
}

async function benchStore(store: string, tollgate: BenchSubject, naive: BenchSubject): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [i, scenario] of SCENARIOS.entries()) {
    rows.push(await run(store, scenario, tollgate, `wal_tg${i}`));
    rows.push(await run(store, scenario, naive, `wal_nv${i}`));
  }
  return rows;
}

async function benchSqlite(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const store = new SqliteStore(join(dir, 'tollgate.db'));
  await store.migrate();
  const tollgate = new TollgateLedger(store);
  const naive = new NaiveSqliteLedger(join(dir, 'naive.db'));
  try {
    return await benchStore('sqlite', tollgate, naive);
  } finally {
    await tollgate.close();
    await naive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<Row[]> {
  const admin = new pg.Client(ADMIN_URL);
  await admin.connect();
  console.error(`postgres: server ${(await admin.query('SHOW server_version')).rows[0].server_version}`);
  const name = `tollgate_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let store: Store | undefined;
  let naive: NaivePostgresLedger | undefined;
  try {
    store = new PostgresStore(url.toString());
    await store.migrate();
    naive = new NaivePostgresLedger(url.toString());
    return await benchStore('postgres', new TollgateLedger(store), naive);
  } finally {
    await store?.close();
    await naive?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function render(rows: Row[], markdown: boolean): string {
  const header = [
    'store',
    'scenario',
    'implementation',
    'pairs/s',
    'p50 ms',
    'p99 ms',
    'vs naive',
    'refused',
    'overdrafts',
  ];
  const cells = rows.map((row) => {
    const naive = rows.find(
      (r) => r.store === row.store && r.scenario === row.scenario && r.implementation === 'naive',
    );
    const ratio = naive ? row.summary.pairsPerS / naive.summary.pairsPerS : Number.NaN;
    return [
      row.store,
      row.scenario,
      row.implementation,
      grouped(row.summary.pairsPerS),
      fixed(row.summary.p50Ms, 2),
      fixed(row.summary.p99Ms, 2),
      `${fixed(ratio, 2)}×`,
      String(row.summary.refused),
      String(row.violations),
    ];
  });
  return markdown ? markdownTable(header, cells) : table(header, cells);
}

async function main(): Promise<void> {
  const started = performance.now();
  console.error(
    `bench:ledger — ${CLIENTS} clients, ${WARMUP_MS} ms warm-up + ${DURATION_MS} ms per run; ` +
      `node ${process.version}, ${availableParallelism()} cores`,
  );
  const rows: Row[] = [];
  if (STORES.includes('sqlite')) rows.push(...(await benchSqlite()));
  if (STORES.includes('postgres')) rows.push(...(await benchPostgres()));
  console.log(render(rows, process.argv.includes('--markdown')));
  console.error(`done in ${fixed((performance.now() - started) / 1000, 1)} s`);
  // "overdrafts" counts every invariant violation found after a run; any is a failure.
  if (rows.some((r) => r.violations > 0)) process.exitCode = 1;
}

await main();
