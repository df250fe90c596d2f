/**
 * The Tollgate side of `npm run bench:gateway`, run as its own child process (forked with an IPC
 * channel) so that its CPU time is its own: opens and migrates the store named by
 * TOLLGATE_BENCH_STORE_URL, seeds a customer with a funded usd wallet and a virtual key, and serves
 * the app exactly as `tollgate start` wires it (admin API + gateway, the gateway on node:http, the rest on Hono), the
 * OpenAI provider pointed at TOLLGATE_BENCH_UPSTREAM_URL.
 *
 * IPC (bench/gateway-ipc.ts): `ready` once listening; answers `cpu`, `verify`, `profile-start`,
 * `profile-stop`; `exit` closes everything and ends the process.
 */
import { Session } from 'node:inspector/promises';
import { newId } from '@tollgate/domain';
import { gatewayStore, Ledger, openStore, PostgresStore, SqliteStore, type Store } from '@tollgate/storage';
import { createApp } from '../packages/server/src/app.ts';
import { generateVirtualKey } from '../packages/server/src/gateway/keys.ts';
import { setupGateway } from '../packages/server/src/gateway/setup.ts';
import { outboxPath } from '../packages/server/src/runtime/database-url.ts';
import { listen } from '../packages/server/src/runtime/listen.ts';
import { type ChildMessage, installCpuProbe, type ParentMessage, type VerifyReport } from './gateway-ipc.ts';

/** Far more than a run can spend: a refusal would be a failed request, not a measurement. */
const GRANT_MICROS = 1_000_000_000_000n;
/** Profiler sampling period: 10× finer than --cpu-prof's default, for a few seconds of load. */
const PROFILE_SAMPLING_US = 100;

const send = (message: ChildMessage) => process.send?.(message);

async function seed(store: Store, ledger: Ledger): Promise<{ key: string; walletId: string }> {
  const customerId = newId('cus');
  const now = Date.now();
  await store.createCustomer({ id: customerId, name: 'Bench customer', metadata: null, createdAt: now });
  const wallet = await store.createWallet({
    id: newId('wal'),
    customerId,
    teamId: null,
    unit: 'usd',
    overdraftLimit: 0n,
    capturePolicy: 'reject',
    createdAt: now,
  });
  const granted = await ledger.submit({
    command: {
      kind: 'grant',
      walletId: wallet.id,
      amount: GRANT_MICROS,
      source: 'purchase',
      expiresAt: null,
      priority: 50,
    },
  });
  if (!granted.ok) throw new Error(`grant failed: ${granted.code}`);
  const generated = generateVirtualKey();
  await gatewayStore(store).createKey({
    id: newId('key'),
    digest: generated.digest,
    prefix: generated.prefix,
    name: 'bench',
    customerId,
    teamId: null,
    userId: null,
    feature: null,
    models: null,
    walletId: null,
    endStreamOnHoldExhausted: false,
    expiresAt: null,
    revokedAt: null,
    createdAt: now,
  });
  return { key: generated.key, walletId: wallet.id };
}

/** Row counts straight from the tables, beside the ledger's own verification. */
async function countRows(store: Store, walletId: string): Promise<Record<string, bigint>> {
  const sql = {
    // Every call charged by a capture: of its own hold, or of its part of a lease (the calls of one
    // lease in one batch share one partial capture, each usage event naming it).
    captured: `SELECT COUNT(*) AS n FROM usage_events u JOIN transactions t ON t.id = u.transaction_id WHERE u.wallet_id = $1 AND t.type IN ('capture', 'partial_capture')`,
    open: `SELECT COUNT(*) AS n FROM holds WHERE wallet_id = $1 AND status = 'open'`,
    // Expired holds, and released ones that are not leases (a lease goes back by a release).
    otherHolds: `SELECT COUNT(*) AS n FROM holds WHERE wallet_id = $1 AND (status = 'expired' OR (status = 'released' AND (metadata IS NULL OR metadata NOT LIKE '{"lease":%')))`,
    leases: `SELECT COUNT(*) AS n FROM holds WHERE wallet_id = $1 AND metadata LIKE '{"lease":%'`,
    events: `SELECT COUNT(*) AS n FROM usage_events WHERE wallet_id = $1`,
    estimated: `SELECT COUNT(*) AS n FROM usage_events WHERE wallet_id = $1 AND estimated <> 0`,
    priced: `SELECT COALESCE(SUM(price), 0) AS n FROM usage_events WHERE wallet_id = $1`,
  };
  const counts: Record<string, bigint> = {};
  for (const [name, text] of Object.entries(sql)) {
    if (store instanceof SqliteStore) {
      const row = store.db.prepare(text.replace('$1', '?')).get(walletId) as { n: bigint | number };
      counts[name] = BigInt(row.n);
    } else if (store instanceof PostgresStore) {
      const result = await store.pool.query<{ n: string }>(text, [walletId]);
      counts[name] = BigInt(result.rows[0]!.n);
    }
  }
  return counts;
}

async function main(): Promise<void> {
  const storeUrl = process.env.TOLLGATE_BENCH_STORE_URL;
  const upstreamUrl = process.env.TOLLGATE_BENCH_UPSTREAM_URL;
  if (!storeUrl || !upstreamUrl)
    throw new Error('TOLLGATE_BENCH_STORE_URL and TOLLGATE_BENCH_UPSTREAM_URL are required');
  const store = openStore(storeUrl, { backgroundCheckpoints: true });
  await store.migrate();
  const ledger = new Ledger(store, { log: (line) => process.stderr.write(`tollgate: ${line}\n`) });
  const account = await seed(store, ledger);
  const runtime = await setupGateway({
    store,
    ledger,
    // A real file, as `tollgate start` keeps it: its writes are part of what is measured.
    outbox: outboxPath(storeUrl, { TOLLGATE_OUTBOX: process.env.TOLLGATE_BENCH_OUTBOX }),
    // As `tollgate start` reads it (TOLLGATE_SETTLE_GATHER_MS and the like apply), the upstream set.
    env: { ...process.env, OPENAI_BASE_URL: `${upstreamUrl}/v1`, OPENAI_API_KEY: 'sk-bench-upstream' },
    log: (line) => process.stderr.write(`tollgate: ${line}\n`),
  });
  const app = createApp({ store, ledger, authorizeAdmin: async () => false, gateway: runtime });
  // Served as `tollgate start` serves it: the gateway on node:http, the rest through Hono.
  const server = await listen(app, 0, '127.0.0.1', runtime.gateway);
  const { port } = server;

  installCpuProbe();
  let session: Session | null = null;
  process.on('message', async (message: ParentMessage) => {
    if (message.type === 'verify') {
      await runtime.settled();
      // The run is over: the leases go back as at a clean stop, so that nothing is left pending.
      await runtime.leases?.close();
      const violations = await ledger.verify();
      const wallet = await ledger.wallet(account.walletId);
      const counts = await countRows(store, account.walletId);
      const report: VerifyReport = {
        violations: violations.length,
        firstViolation: violations[0]
          ? JSON.stringify(violations[0], (_, v) => (typeof v === 'bigint' ? String(v) : v))
          : null,
        captured: Number(counts.captured),
        openHolds: Number(counts.open),
        otherHolds: Number(counts.otherHolds),
        leases: Number(counts.leases),
        usageEvents: Number(counts.events),
        estimatedEvents: Number(counts.estimated),
        debitedMicros: String(GRANT_MICROS - (wallet?.balance ?? 0n)),
        pricedMicros: String(counts.priced),
        pendingMicros: String(wallet?.pending ?? -1n),
      };
      send({ type: 'verify', report });
    } else if (message.type === 'profile-start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US });
      await session.post('Profiler.start');
      send({ type: 'profile-started' });
    } else if (message.type === 'profile-stop' && session) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      send({ type: 'profile', profile: JSON.stringify(profile) });
    } else if (message.type === 'exit') {
      await server.close();
      await runtime.close();
      await store.close();
      process.exit(0);
    }
  });
  send({ type: 'ready', port, key: account.key });
}

main().catch((error: unknown) => {
  process.stderr.write(`tollgate child failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
