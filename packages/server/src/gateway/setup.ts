import { randomUUID } from 'node:crypto';
import type { RateCard } from '@tollgate/domain';
import {
  budgetStore,
  gatewayStore,
  type Ledger,
  Outbox,
  type PostgresStore,
  pricingStore,
  type Store,
} from '@tollgate/storage';
import type { Hono } from 'hono';
import { type RateLimiter, startRateLimiter } from '../limits/rate-limiter.ts';
import { callExporter } from '../otlp/export.ts';
import { OtlpIngest } from '../otlp/ingest.ts';
import { PlanPricer } from '../pricing/plan-pricer.ts';
import type { Pricer } from '../pricing/pricer.ts';
import { SecretBox } from '../secrets.ts';
import { DEFAULT_MAX_OUTPUT_TOKENS } from './billing.ts';
import { DEFAULT_BODY_BYTES_MAX } from './body.ts';
import { BudgetResolver } from './budgets.ts';
import { Catalog, type ProviderConfig } from './catalog.ts';
import { Gateway, type GatewayDeps } from './gateway.ts';
import { KeyResolver } from './keys.ts';
import { Leases, releaseLeasesOf } from './leases.ts';
import { builtinProviders, Providers } from './providers.ts';
import { RateCards } from './rate-cards.ts';
import { mountGateway } from './routes.ts';
import { SETTLE_GATHER_MS, Settler } from './settler.ts';
import { Upstream } from './upstream.ts';
import { WalletResolver } from './wallets.ts';

/** How long a call in a capped session waits for this instance's earlier calls to be charged. */
const SESSION_SETTLE_WAIT_MS = 1_000;

/** A gateway call's hold outlives any sane call; a capture after it still charges (owe). */
export const DEFAULT_HOLD_TTL_MS = 60 * 60 * 1000;

export interface GatewaySetupOptions {
  store: Store;
  ledger: Ledger;
  /**
   * The settlement outbox's file (runtime/database-url.ts `outboxPath`), or `:memory:` where
   * losing unsettled calls on a crash does not matter (tests that never crash).
   */
  outbox: string;
  env?: NodeJS.ProcessEnv;
  /** Providers from tollgate.config (they replace built-ins of the same id). */
  providers?: ProviderConfig[];
  /** Rate cards from tollgate.config (after the built-in catalog, before those added by the API). */
  rateCards?: RateCard[];
  /** Cost → price (default: the customer pays the cost). */
  pricer?: Pricer;
  log?: (line: string) => void;
  /** Telemetry hooks (start.ts wires them to the refusal recorder and the alert engine). */
  events?: Pick<GatewayDeps, 'onRefused' | 'onSoftCapPassed'>;
}

export interface GatewayRuntime {
  gateway: Gateway;
  keys: KeyResolver;
  rateCards: RateCards;
  providers: Providers;
  secrets: SecretBox | null;
  /** Rate limits: the admin routes reload its rules after a change. */
  rateLimiter: RateLimiter;
  /** Customers' cached price plans, refreshed by the admin plan routes after a change. */
  pricing?: { invalidate(): void };
  /** Customers' cached budgets, refreshed by the admin budget routes after a change. */
  budgets?: { invalidate(): void };
  /** Resolves once every call answered so far is charged (reads wait for it: read-your-writes). */
  settled(): Promise<void>;
  /** As settled(), giving up after `ms`. */
  settledWithin(ms: number): Promise<void>;
  settler: Settler;
  /** Leases of busy wallets (null with TOLLGATE_LEASES=off): the admin routes retire a changed wallet's. */
  leases: Leases | null;
  mount(app: Hono): void;
  close(): Promise<void>;
}

/** Wires the gateway to a store: keys, providers, rate cards, wallets, the upstream pool. */
export async function setupGateway(options: GatewaySetupOptions): Promise<GatewayRuntime> {
  const env = options.env ?? process.env;
  const data = gatewayStore(options.store);
  const secrets = env.TOLLGATE_SECRET ? new SecretBox(env.TOLLGATE_SECRET) : null;
  const keys = new KeyResolver(async (digest) => data.keyByDigest(digest));
  const rateCards = new RateCards(data, options.rateCards ?? []);
  const providers = new Providers(
    data,
    [...builtinProviders(env), ...(options.providers ?? [])],
    secrets,
    options.log,
  );
  await Promise.all([rateCards.start(), providers.start()]);
  // In process, or shared through Redis when REDIS_URL is set.
  const rateLimiter = await startRateLimiter({
    store: options.store,
    env,
    ...(options.log ? { log: options.log } : {}),
  });
  const wallets = new WalletResolver(data);
  const budgetData = budgetStore(options.store);
  const budgets = new BudgetResolver((customerId) => budgetData.activeBudgets(customerId));
  const upstream = new Upstream();
  // Cost → price by each customer's plan (pass-through for a customer with none).
  const plans = new PlanPricer(pricingStore(options.store), options.ledger);
  const pricer: Pricer = options.pricer ?? plans;
  const bodyBytesMax = Number(env.TOLLGATE_BODY_LIMIT_BYTES ?? DEFAULT_BODY_BYTES_MAX);
  // Calls made elsewhere, reported as OpenTelemetry spans, are billed like the gateway's own.
  const otlp = new OtlpIngest({
    ledger: options.ledger,
    keys,
    rateCard: (provider, model, at) => rateCards.find(provider, model, at),
    wallet: (key, attribution) => wallets.resolve(key, attribution),
    pricer,
    bodyBytesMax,
    ...(options.log ? { log: options.log } : {}),
  });
  const exporter = callExporter(env, options.log);
  const owner = `${process.pid}-${randomUUID()}`;
  const settler = new Settler({
    ledger: options.ledger,
    store: data,
    outbox: new Outbox(options.outbox, owner, {
      backgroundCheckpoints: { log: (line) => options.log?.(line) },
    }),
    gatherMs: Number(env.TOLLGATE_SETTLE_GATHER_MS ?? SETTLE_GATHER_MS),
    onOwnersGone: (owners) => {
      releaseLeasesOf(owners, {
        ledger: options.ledger,
        store: data,
        ...(options.log ? { log: options.log } : {}),
      }).catch((error: unknown) =>
        options.log?.(`leases: releasing the leases of gone instances failed: ${(error as Error).message}`),
      );
    },
    ...('walPosition' in options.store
      ? { durability: () => (options.store as PostgresStore).walPosition() }
      : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  // A capped session counts its calls answered here; bounded, so a ledger outage fails it over to
  // what is committed instead of hanging the call.
  plans.settled = (customerId, sessionId) =>
    settler.sessionSettled(customerId, sessionId, SESSION_SETTLE_WAIT_MS);
  const leases =
    env.TOLLGATE_LEASES === 'off'
      ? null
      : new Leases({
          ledger: options.ledger,
          owner,
          callTtlMs: DEFAULT_HOLD_TTL_MS,
          ...(options.log ? { log: options.log } : {}),
        });
  // Wallet reads in this process show a lease's unreserved credit as available, not pending.
  const unsetAside = leases ? options.ledger.setAside((walletId) => leases.unreserved(walletId)) : null;
  const gateway = new Gateway({
    ledger: options.ledger,
    settler,
    ...(leases ? { leases } : {}),
    keys,
    catalog: new Catalog(() => providers.map()),
    rateCard: (provider, model, at) => rateCards.find(provider, model, at),
    wallet: (key, attribution) => wallets.resolve(key, attribution),
    models: () => {
      const seen = new Map<string, string>();
      const configured = providers.map();
      for (const card of rateCards.all()) {
        // The catalog prices providers nobody may have configured (google, mistral…): only list routable ones.
        if (!configured.has(card.provider)) continue;
        const id =
          card.provider === 'openai' || card.provider === 'anthropic'
            ? card.model
            : `${card.provider}/${card.model}`;
        seen.set(id, card.provider);
      }
      return [...seen].map(([id, ownedBy]) => ({ id, ownedBy }));
    },
    upstream,
    pricer,
    rateLimiter,
    budgets,
    limits: {
      bodyBytesMax,
      holdTtlMs: DEFAULT_HOLD_TTL_MS,
      defaultMaxOutputTokens: Number(env.TOLLGATE_DEFAULT_MAX_OUTPUT_TOKENS ?? DEFAULT_MAX_OUTPUT_TOKENS),
    },
    ...(options.log ? { log: options.log } : {}),
    ...options.events,
    ...(exporter ? { onSettled: (call, event) => exporter.onSettled(call, event) } : {}),
    routes: { 'POST /v1/traces': (request) => otlp.handle(request) },
  });
  return {
    gateway,
    keys,
    rateCards,
    providers,
    secrets,
    rateLimiter,
    pricing: plans,
    budgets,
    settled: () => settler.settled(),
    settledWithin: (ms) => settler.settledWithin(ms),
    settler,
    leases,
    mount: (app) => mountGateway(app, gateway),
    async close() {
      rateCards.stop();
      providers.stop();
      await settler.close();
      // After the settler: a lease goes back once its calls are captured.
      await leases?.close();
      unsetAside?.();
      await upstream.close();
      await exporter?.close();
      await rateLimiter.close();
    },
  };
}
