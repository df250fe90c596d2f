import { Ledger, openStore, refusalStore, type Store } from '@tollgate/storage';
import { adminAuthorizer, ensureAdminKey } from '../admin-key.ts';
import { storeBudgetSource } from '../alerts/budget-source.ts';
import { storeRefusalSource } from '../alerts/refusal-source.ts';
import { startAlerts } from '../alerts/service.ts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { WalletEvents } from '../customer-tokens/wallet-events.ts';
import { RefusalRecorder } from '../gateway/refusal-recorder.ts';
import { setupGateway } from '../gateway/setup.ts';
import { parseCorsOrigins } from '../http/customer-cors.ts';
import { EXPIRY_INTERVAL_MS, startExpiryScheduler } from '../scheduler.ts';
import { describeDatabase, outboxPath } from './database-url.ts';
import { DEFAULT_HOST } from './defaults.ts';
import { listen } from './listen.ts';

export interface StartOptions {
  databaseUrl: string;
  /** 0 picks a free port; the one bound is in the result. */
  port: number;
  host?: string;
  /** TOLLGATE_ADMIN_KEY: accepted and stored hashed. Without it one is generated on first start. */
  adminKey?: string;
  /** Where the start-up lines go (default stdout); never given a secret but a freshly generated key. */
  log?: (line: string) => void;
  expiryIntervalMs?: number;
  /** Provider keys and gateway limits are read from it (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface Tollgate {
  url: string;
  port: number;
  store: Store;
  ledger: Ledger;
  /** The key generated on this start (first start without TOLLGATE_ADMIN_KEY), else undefined. */
  generatedAdminKey: string | undefined;
  /** Stops the scheduler, lets in-flight requests finish, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Opens and migrates the store, sets up the admin key, serves the app and schedules expiries. */
export async function startTollgate(options: StartOptions): Promise<Tollgate> {
  const log = options.log ?? console.log;
  const store = openStore(options.databaseUrl, { backgroundCheckpoints: { log } });
  try {
    return await serveStore(store, options, log);
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

async function serveStore(
  store: Store,
  options: StartOptions,
  log: (line: string) => void,
): Promise<Tollgate> {
  // A bad config file stops the start before anything is written (no admin key generated for nothing).
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  if (config.path)
    log(
      `Read ${config.path}: ${config.providers.length} provider(s), ${config.rateCards.length} rate card(s)`,
    );
  for (const name of await store.migrate()) log(`Applied migration ${name}`);
  const generatedAdminKey = await setUpAdminKey(store, options.adminKey, log);
  const ledger = new Ledger(store, { log });
  const authorizeAdmin = adminAuthorizer(store, options.adminKey ?? generatedAdminKey);
  // Refusals are counted in memory and written in batches; each write and each soft cap passed
  // nudges the alert engine, so blocked_spike and budget_used rules fire within seconds.
  const refusals = new RefusalRecorder({
    store: refusalStore(store),
    log,
    onFlushed: (customerIds) => alerts.engine.noteRefusals(customerIds),
  });
  const gateway = await setupGateway({
    store,
    ledger,
    outbox: outboxPath(options.databaseUrl, env),
    env,
    log,
    providers: config.providers,
    rateCards: config.rateCards,
    events: {
      onRefused: (customerId, code) => refusals.record(customerId, code),
      onSoftCapPassed: (_customerId, budgetIds) => alerts.engine.noteBudgets(budgetIds),
    },
  });
  // Alert rules are evaluated after ledger commits and on a schedule, never on the request path.
  const alerts = startAlerts({
    store,
    ledger,
    env,
    log,
    engine: { budgets: storeBudgetSource(store), refusals: storeRefusalSource(store) },
  });
  // Customer streams hear this process's commits at once (and poll for the other instances').
  const walletEvents = new WalletEvents();
  ledger.onCommitted((walletIds) => walletEvents.publish(walletIds));
  const customer = { walletEvents, corsOrigins: parseCorsOrigins(env.TOLLGATE_CORS_ORIGINS) };
  const app = createApp({ store, ledger, authorizeAdmin, gateway, alerts, customer });
  const host = options.host ?? DEFAULT_HOST;
  const server = await listen(app, options.port, host, gateway.gateway).catch(async (error: unknown) => {
    await refusals.close();
    await alerts.close();
    await gateway.close();
    throw error;
  });
  const intervalMs = options.expiryIntervalMs ?? EXPIRY_INTERVAL_MS;
  const scheduler = startExpiryScheduler({ ledger, log, intervalMs });
  const url = `http://${displayHost(host)}:${server.port}`;
  log(`Tollgate ready on ${url} (store: ${describeDatabase(options.databaseUrl)})`);
  if (generatedAdminKey)
    log(`Try it: curl -H "Authorization: Bearer $TOLLGATE_ADMIN_KEY" ${url}/api/v1/customers`);
  let closing: Promise<void> | undefined;
  const close = () => {
    // In order: no new expiry pass, no new request, the last calls charged (their commits still
    // reach the alert engine), then what they use.
    closing ??= scheduler
      .stop()
      .then(() => server.close())
      .then(() => gateway.close())
      .then(() => refusals.close())
      .then(() => alerts.close())
      .then(() => store.close());
    return closing;
  };
  return { url, port: server.port, store, ledger, generatedAdminKey, close };
}

/**
 * Stores the admin key's digest; a generated key is printed at once, before anything else can
 * fail, since a later start finds a key stored and generates none: a key not shown now is lost.
 */
async function setUpAdminKey(
  store: Store,
  given: string | undefined,
  log: (line: string) => void,
): Promise<string | undefined> {
  const setup = await ensureAdminKey(store, given);
  if (setup.kind !== 'generated') return undefined;
  log('Generated an admin key. Save it now: only its hash is stored and it will not be shown again.');
  log(`  export TOLLGATE_ADMIN_KEY=${setup.key}`);
  return setup.key;
}

/** A wildcard address is not something to type in a browser; localhost reaches it. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
