/**
 * `npm run bench:gateway`: what the gateway adds to a call, measured side by side in one run
 * against a fake OpenAI upstream on loopback (bench/gateway-upstream.ts, replaying the recorded
 * fixtures), for chat completions and include_usage streams, at concurrency 1 and 64, with an
 * instant upstream and one that waits 50 ms before answering (before the first chunk of a stream):
 *
 *   direct             the load generator straight to the upstream;
 *   tollgate-sqlite    Tollgate with full billing (key, rate card, hold, forward, capture + usage
 *   tollgate-postgres  event) on SQLite (temp file) and on PostgreSQL (a fresh database);
 *   portkey            Portkey's open-source gateway (@portkey-ai/gateway, no billing).
 *
 * Each gateway runs in its own child process, which reports its own process.cpuUsage() before and
 * after every measured phase (CPU µs per request is that process's alone: PostgreSQL's server
 * processes are not in it). The load generator (closed-loop clients on an undici Pool) and the
 * fake upstream share this process. Each phase: a warm-up, then a fixed duration. Afterwards every
 * Tollgate's ledger is verified and its wallet checked to have been debited once per request.
 * Then Tollgate (SQLite) is profiled under the instant upstream at c=64 (non-stream) with V8's
 * sampling profiler (the same as `node --cpu-prof`, started and stopped around the measured window).
 *
 * Environment: TOLLGATE_BENCH_DATABASE_URL (admin connection for PostgreSQL; default
 * postgres://postgres@127.0.0.1:5432/test), TOLLGATE_BENCH_TARGETS (default
 * `direct,tollgate-sqlite,tollgate-postgres,portkey`), TOLLGATE_BENCH_DURATION_MS (4000),
 * TOLLGATE_BENCH_WARMUP_MS (1000), TOLLGATE_BENCH_PROFILE (1; 0 skips the profile); to run a part:
 * TOLLGATE_BENCH_UPSTREAMS (`instant,50 ms`), TOLLGATE_BENCH_CONCURRENCY (`1,64`),
 * TOLLGATE_BENCH_STREAMS (`plain,stream`); TOLLGATE_BENCH_PROFILE_CONCURRENCY (64),
 * TOLLGATE_BENCH_PROFILE_STORE (`sqlite` or `postgres`). To compare with
 * another version in the same run: TOLLGATE_BENCH_BASELINE=<a checkout with npm ci done> and the
 * targets `baseline-sqlite`, `baseline-postgres`. On a noisy machine, TOLLGATE_BENCH_ROUNDS=N measures
 * every phase N times (all phases once per round) and reports each row's median.
 * `--markdown` also prints the tables as Markdown.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ChildMessage, ParentMessage, VerifyReport } from './gateway-ipc.ts';
import { type LoadTarget, loadPool, runLoad } from './gateway-load.ts';
import { type CpuProfile, type ProfileLine, summarizeProfile } from './gateway-profile.ts';
import {
  cells,
  cpuCounters,
  fixed,
  goals,
  HEADER,
  markdownTable,
  medianRows,
  type Row,
  stealShare,
  table,
  toRow,
} from './gateway-report.ts';
import {
  type FakeUpstream,
  fixture,
  NONSTREAM_FIXTURE,
  STREAM_FIXTURE,
  startFakeUpstream,
} from './gateway-upstream.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const DURATION_MS = Number(env('TOLLGATE_BENCH_DURATION_MS', '4000'));
const WARMUP_MS = Number(env('TOLLGATE_BENCH_WARMUP_MS', '1000'));
const TARGETS = env('TOLLGATE_BENCH_TARGETS', 'direct,tollgate-sqlite,tollgate-postgres,portkey')
  .split(',')
  .map((t) => t.trim());
const ADMIN_URL = env('TOLLGATE_BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test');
const PROFILE = env('TOLLGATE_BENCH_PROFILE', '1') !== '0';
/** Another checkout of Tollgate (npm ci done), measured as `baseline-sqlite` / `baseline-postgres`. */
const BASELINE = process.env.TOLLGATE_BENCH_BASELINE ?? null;
const MARKDOWN = process.argv.includes('--markdown');
/** Each scenario is measured this many times, interleaved; the tables show each row's median. */
const ROUNDS = Number(env('TOLLGATE_BENCH_ROUNDS', '1'));
/** The store the profiled Tollgate runs on: `sqlite` or `postgres`. */
const PROFILE_STORE = env('TOLLGATE_BENCH_PROFILE_STORE', 'sqlite');

const list = (name: string, fallback: string) =>
  env(name, fallback)
    .split(',')
    .map((t) => t.trim());
const SETTINGS = [
  { name: 'instant', delayMs: 0 },
  { name: '50 ms', delayMs: 50 },
].filter((s) => list('TOLLGATE_BENCH_UPSTREAMS', 'instant,50 ms').includes(s.name));
const CONCURRENCIES = list('TOLLGATE_BENCH_CONCURRENCY', '1,64').map(Number);
const STREAMS = list('TOLLGATE_BENCH_STREAMS', 'plain,stream').map((s) => s === 'stream');
/** A child that is not listening by then will not be. */
const CHILD_START_MS_MAX = 30_000;
const UPSTREAM_KEY = 'sk-bench-upstream';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A gateway (or the upstream itself) the load generator can be pointed at. */
interface Subject {
  name: string;
  origin: string;
  headers: Record<string, string>;
  /** The process's CPU time so far, µs; 0 for direct. */
  cpuUs(): Promise<number>;
  verify?(): Promise<VerifyReport>;
  close(): Promise<void>;
  /** 2xx answers it gave over the whole run, warm-ups included. */
  succeeded: number;
}

function ask<T extends ChildMessage['type']>(
  child: ChildProcess,
  message: ParentMessage,
  reply: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== reply) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`child exited (${code}) before answering ${message.type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

async function cpuOf(child: ChildProcess): Promise<number> {
  const m = await ask(child, { type: 'cpu' }, 'cpu');
  return m.userUs + m.systemUs;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.send({ type: 'exit' } satisfies ParentMessage);
  });
}

async function startTollgate(
  name: string,
  storeUrl: string,
  upstream: FakeUpstream,
  outbox: string,
  checkout: string | null = null,
): Promise<Subject & { child: ChildProcess }> {
  const script = checkout ? join(checkout, 'bench', 'gateway-tollgate.ts') : here('./gateway-tollgate.ts');
  const child = fork(script, [], {
    ...(checkout ? { cwd: checkout } : {}),
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      TOLLGATE_BENCH_STORE_URL: storeUrl,
      TOLLGATE_BENCH_UPSTREAM_URL: upstream.url,
      TOLLGATE_BENCH_OUTBOX: outbox,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), CHILD_START_MS_MAX);
    child.on('message', (m: ChildMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) while starting`)));
  });
  return {
    name,
    child,
    origin: `http://127.0.0.1:${ready.port}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ready.key}` },
    cpuUs: () => cpuOf(child),
    verify: async () => (await ask(child, { type: 'verify' }, 'verify')).report,
    close: () => stopChild(child),
    succeeded: 0,
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const until = Date.now() + CHILD_START_MS_MAX;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) while starting`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`${name} is not listening on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Portkey's own node entry (build/start-server.js, its `start:node` script), headless, with the
 * CPU probe preloaded. It is pointed at the fake upstream per request: `x-portkey-provider: openai`
 * and `x-portkey-custom-host` (127.0.0.1 is in its default trusted custom hosts).
 */
async function startPortkey(upstream: FakeUpstream): Promise<Subject> {
  const entry = fileURLToPath(import.meta.resolve('@portkey-ai/gateway/build/start-server.js'));
  const port = await freePort();
  const child = fork(entry, [`--port=${port}`, '--headless'], {
    execArgv: ['--import', 'tsx', '--import', new URL('./gateway-probe.ts', import.meta.url).href],
    env: { ...process.env, NODE_ENV: 'production' },
    // Its stdout is a start-up spinner; errors go to stderr.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await waitForPort(port, child, 'portkey');
  return {
    name: 'portkey',
    origin: `http://127.0.0.1:${port}`,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${UPSTREAM_KEY}`,
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstream.url}/v1`,
    },
    cpuUs: () => cpuOf(child),
    close: () => stopChild(child),
    succeeded: 0,
  };
}

function direct(upstream: FakeUpstream): Subject {
  return {
    name: 'direct',
    origin: upstream.url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${UPSTREAM_KEY}` },
    cpuUs: async () => 0,
    close: async () => {},
    succeeded: 0,
  };
}

/** A fresh database on the admin connection's server, dropped by `drop`. */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client(ADMIN_URL);
  await admin.connect();
  const name = `tollgate_gwbench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function requestBody(file: string, stream: boolean): string {
  const body = { ...fixture(file).entry.request.body };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}
const BODIES = { plain: requestBody(NONSTREAM_FIXTURE, false), stream: requestBody(STREAM_FIXTURE, true) };

function loadTarget(subject: Subject, stream: boolean): LoadTarget {
  return {
    path: '/v1/chat/completions',
    headers: subject.headers,
    body: stream ? BODIES.stream : BODIES.plain,
    stream,
  };
}

/** Warm-up, CPU reading, measured run, CPU reading. */
async function phase(subject: Subject, upstream: string, stream: boolean, concurrency: number): Promise<Row> {
  const target = loadTarget(subject, stream);
  const pool = loadPool(subject.origin, concurrency);
  try {
    const warm = await runLoad(pool, target, concurrency, WARMUP_MS);
    subject.succeeded += warm.latenciesMs.length;
    const cpuBefore = await subject.cpuUs();
    const machineBefore = cpuCounters();
    const run = await runLoad(pool, target, concurrency, DURATION_MS);
    const machineAfter = cpuCounters();
    const cpuAfter = await subject.cpuUs();
    subject.succeeded += run.latenciesMs.length;
    const row = toRow(
      { target: subject.name, upstream, stream, concurrency },
      run,
      cpuAfter - cpuBefore,
      stealShare(machineBefore, machineAfter),
    );
    log(
      `  ${subject.name.padEnd(17)} ${upstream.padEnd(7)} ${stream ? 'stream' : 'plain '} c=${String(concurrency).padEnd(2)} ` +
        `${fixed(row.requestsPerS, 0).padStart(6)} req/s  p50 ${fixed(row.p50Ms, 2)} ms  cpu ${fixed(row.cpuUsPerRequest, 0)} µs/req` +
        (row.failed ? `  FAILED ${row.failed} (${row.firstFailure})` : ''),
    );
    return row;
  } finally {
    await pool.close();
  }
}

interface Verification {
  target: string;
  report: VerifyReport;
  succeeded: number;
  ok: boolean;
}

function judge(target: string, report: VerifyReport, succeeded: number): Verification {
  const ok =
    report.violations === 0 &&
    report.captured === succeeded &&
    report.usageEvents === succeeded &&
    report.openHolds === 0 &&
    report.otherHolds === 0 &&
    report.debitedMicros === report.pricedMicros &&
    report.pendingMicros === '0';
  return { target, report, succeeded, ok };
}

async function profileTollgate(upstream: FakeUpstream, dir: string): Promise<void> {
  upstream.delayMs = 0;
  const onPostgres = PROFILE_STORE === 'postgres';
  const database = onPostgres ? await freshPostgres() : null;
  const subject = await startTollgate(
    'tollgate-profile',
    database?.url ?? `sqlite:${join(dir, 'profile.db')}`,
    upstream,
    join(dir, 'profile.outbox'),
  );
  const concurrency = Number(env('TOLLGATE_BENCH_PROFILE_CONCURRENCY', '64'));
  const target = loadTarget(subject, false);
  const pool = loadPool(subject.origin, concurrency);
  try {
    await runLoad(pool, target, concurrency, Math.max(WARMUP_MS, 2_000));
    await ask(subject.child, { type: 'profile-start' }, 'profile-started');
    const cpuBefore = await subject.cpuUs();
    const run = await runLoad(pool, target, concurrency, DURATION_MS);
    const cpuAfter = await subject.cpuUs();
    const { profile } = await ask(subject.child, { type: 'profile-stop' }, 'profile');
    const file = join(tmpdir(), `tollgate-gateway-${process.pid}.cpuprofile`);
    writeFileSync(file, profile);
    const summary = summarizeProfile(JSON.parse(profile) as CpuProfile, run.requests);
    const perRequest = (cpuAfter - cpuBefore) / run.requests;
    const lines = (title: string, items: ProfileLine[]) => {
      const rows = items.map((l) => [l.name, fixed(l.usPerRequest, 1), `${fixed(l.share * 100, 1)}%`]);
      print(`${title}\n`, ['function / component', 'µs/req', 'share'], rows);
    };
    print(
      `\nProfile: Tollgate (${onPostgres ? 'PostgreSQL' : 'SQLite'}), instant upstream, c=${concurrency}, non-stream: ${fixed(run.requests / (run.durationMs / 1000), 0)} req/s, ` +
        `${fixed(perRequest, 0)} µs CPU/req by process.cpuUsage() (profiler on), ${fixed(summary.busyUsPerRequest, 0)} µs/req sampled. Profile: ${file}\n`,
    );
    lines('Self time by component (a native frame counts for its caller)', summary.byComponent);
    lines('Top functions by self time', summary.topSelf);
    lines("Tollgate's own functions, inclusive time", summary.tollgateInclusive);
  } finally {
    await pool.close();
    await subject.close();
    await database?.drop();
  }
}

function print(title: string, header?: readonly string[], rows?: readonly (readonly string[])[]): void {
  console.log(title);
  if (!header || !rows) return;
  console.log(table(header, rows));
  if (MARKDOWN) console.log(`\n${markdownTable(header, rows)}`);
  console.log('');
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const upstream = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-gwbench-'));
  const subjects: Subject[] = [];
  let postgres: Awaited<ReturnType<typeof freshPostgres>> | undefined;
  let baseline: Awaited<ReturnType<typeof freshPostgres>> | undefined;
  try {
    for (const name of TARGETS) {
      if (name === 'direct') subjects.push(direct(upstream));
      else if (name === 'tollgate-sqlite')
        subjects.push(
          await startTollgate(
            name,
            `sqlite:${join(dir, 'tollgate.db')}`,
            upstream,
            join(dir, `${name}.outbox`),
          ),
        );
      else if (name === 'tollgate-postgres') {
        postgres = await freshPostgres();
        subjects.push(await startTollgate(name, postgres.url, upstream, join(dir, `${name}.outbox`)));
      } else if (name === 'baseline-sqlite' && BASELINE)
        subjects.push(
          await startTollgate(
            name,
            `sqlite:${join(dir, 'baseline.db')}`,
            upstream,
            join(dir, `${name}.outbox`),
            BASELINE,
          ),
        );
      else if (name === 'baseline-postgres' && BASELINE) {
        baseline = await freshPostgres();
        subjects.push(
          await startTollgate(name, baseline.url, upstream, join(dir, `${name}.outbox`), BASELINE),
        );
      } else if (name === 'portkey') subjects.push(await startPortkey(upstream));
      else throw new Error(`unknown target ${name}`);
    }
    log(
      `gateway bench: ${subjects.map((s) => s.name).join(', ')}; warm-up ${WARMUP_MS} ms + ${DURATION_MS} ms per phase; node ${process.version}`,
    );
    const measured: Row[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) log(`round ${round} of ${ROUNDS}`);
      for (const setting of SETTINGS) {
        upstream.delayMs = setting.delayMs;
        for (const stream of STREAMS) {
          for (const concurrency of CONCURRENCIES) {
            for (const subject of subjects)
              measured.push(await phase(subject, setting.name, stream, concurrency));
          }
        }
      }
    }
    const rows = medianRows(measured);
    print(
      ROUNDS > 1
        ? `\nGateway overhead, median of ${ROUNDS} rounds per row (added = minus direct in the same scenario; CPU = the gateway process only; steal = each round's)\n`
        : '\nGateway overhead (added = minus direct in the same scenario; CPU = the gateway process only)\n',
      HEADER,
      cells(rows),
    );
    const judged = goals(rows);
    print(
      'Goals',
      ['goal', 'target', 'measured', 'met'],
      judged.map((g) => [g.goal, g.target, g.measured, g.met === null ? 'n/a' : g.met ? 'yes' : 'NO']),
    );

    const verifications: Verification[] = [];
    for (const subject of subjects) {
      if (subject.verify) verifications.push(judge(subject.name, await subject.verify(), subject.succeeded));
    }
    print(
      'Ledger after the run (every 2xx answer, warm-ups included, must be one capture and one usage event)',
      [
        'target',
        '2xx answers',
        'captured calls',
        'usage events',
        'leases',
        'open/other holds',
        'debited = priced',
        'verify()',
        'ok',
      ],
      verifications.map((v) => [
        v.target,
        String(v.succeeded),
        String(v.report.captured),
        String(v.report.usageEvents),
        String(v.report.leases ?? 0),
        `${v.report.openHolds}/${v.report.otherHolds}`,
        `${v.report.debitedMicros} = ${v.report.pricedMicros}`,
        v.report.violations === 0 ? 'clean' : `${v.report.violations} violations: ${v.report.firstViolation}`,
        v.ok ? 'yes' : 'NO',
      ]),
    );
    const failedBy = new Map<string, number>();
    for (const row of rows) failedBy.set(row.target, (failedBy.get(row.target) ?? 0) + row.failed);
    console.log(
      `Failed requests (non-2xx, errors, incomplete streams): ${[...failedBy].map(([t, n]) => `${t} ${n}`).join(', ')}`,
    );
    const failures = [
      ...new Set(rows.filter((r) => r.failed > 0).map((r) => `${r.target}: ${r.firstFailure}`)),
    ];
    if (failures.length > 0) console.log(`First failure per target: ${failures.join('; ')}`);
    // A peer gateway's failures are its own (reported above); Tollgate's fail the run.
    const ownFailed = rows.filter((r) => r.target !== 'portkey').reduce((n, r) => n + r.failed, 0);

    for (const subject of subjects) await subject.close();
    subjects.length = 0;
    if (PROFILE) await profileTollgate(upstream, dir);
    log(`gateway bench took ${fixed((performance.now() - startedAt) / 1000, 0)} s`);
    if (ownFailed > 0 || verifications.some((v) => !v.ok)) process.exitCode = 1;
  } finally {
    for (const subject of subjects) await subject.close().catch(() => {});
    await postgres?.drop();
    await baseline?.drop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
