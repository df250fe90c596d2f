import type { RateCard } from '@tollgate/domain';
import { gatewayStore, type Ledger, type Store } from '@tollgate/storage';
import type { Hono } from 'hono';
import type { Pricer } from '../pricing/pricer.ts';
import { SecretBox } from '../secrets.ts';
import { DEFAULT_MAX_OUTPUT_TOKENS } from './billing.ts';
import { DEFAULT_BODY_BYTES_MAX } from './body.ts';
import { Catalog, type ProviderConfig } from './catalog.ts';
import { Gateway } from './gateway.ts';
import { KeyResolver } from './keys.ts';
import { builtinProviders, Providers } from './providers.ts';
import { RateCards } from './rate-cards.ts';
import { mountGateway } from './routes.ts';
import { Upstream } from './upstream.ts';
import { WalletResolver } from './wallets.ts';

/** A gateway call's hold outlives any sane call; a capture after it still charges (owe). */
export const DEFAULT_HOLD_TTL_MS = 60 * 60 * 1000;

export interface GatewaySetupOptions {
  store: Store;
  ledger: Ledger;
  env?: NodeJS.ProcessEnv;
  /** Providers from tollgate.config (they replace built-ins of the same id). */
  providers?: ProviderConfig[];
  /** Rate cards from tollgate.config (after the built-in catalog, before those added by the API). */
  rateCards?: RateCard[];
  /** Cost → price (default: the customer pays the cost). */
  pricer?: Pricer;
  log?: (line: string) => void;
}

export interface GatewayRuntime {
  gateway: Gateway;
  keys: KeyResolver;
  rateCards: RateCards;
  providers: Providers;
  secrets: SecretBox | null;
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
  const wallets = new WalletResolver(data);
  const upstream = new Upstream();
  const gateway = new Gateway({
    ledger: options.ledger,
    keys,
    catalog: new Catalog(() => providers.map()),
    rateCard: (provider, model, at) => rateCards.find(provider, model, at),
    wallet: (key, attribution) => wallets.resolve(key, attribution),
    models: () => {
      const seen = new Map<string, string>();
      for (const card of rateCards.all()) {
        const id =
          card.provider === 'openai' || card.provider === 'anthropic'
            ? card.model
            : `${card.provider}/${card.model}`;
        seen.set(id, card.provider);
      }
      return [...seen].map(([id, ownedBy]) => ({ id, ownedBy }));
    },
    upstream,
    ...(options.pricer ? { pricer: options.pricer } : {}),
    limits: {
      bodyBytesMax: Number(env.TOLLGATE_BODY_LIMIT_BYTES ?? DEFAULT_BODY_BYTES_MAX),
      holdTtlMs: DEFAULT_HOLD_TTL_MS,
      defaultMaxOutputTokens: Number(env.TOLLGATE_DEFAULT_MAX_OUTPUT_TOKENS ?? DEFAULT_MAX_OUTPUT_TOKENS),
    },
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    gateway,
    keys,
    rateCards,
    providers,
    secrets,
    mount: (app) => mountGateway(app, gateway),
    async close() {
      rateCards.stop();
      providers.stop();
      await upstream.close();
    },
  };
}
