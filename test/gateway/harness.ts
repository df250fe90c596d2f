import { readFileSync } from 'node:fs';
import { type Micros, newId, type UsageEvent, type Wallet } from '@tollgate/domain';
import {
  type GatewayStore,
  gatewayStore,
  Ledger,
  openStore,
  type Store,
  type VirtualKeyRow,
} from '@tollgate/storage';
import { createApp } from '../../packages/server/src/app.ts';
import { generateVirtualKey } from '../../packages/server/src/gateway/keys.ts';
import { type GatewayRuntime, setupGateway } from '../../packages/server/src/gateway/setup.ts';
import { listen } from '../../packages/server/src/runtime/listen.ts';
import { type ExpectedUsage, type FakeProvider, startFakeProvider } from '../fake-provider/server.ts';
import { freshDatabase, type StoreKind } from '../stores.ts';

/** Provider keys the fake upstream expects to see; they must never reach a client. */
export const OPENAI_KEY = 'sk-fake-openai-0123456789';
export const ANTHROPIC_KEY = 'sk-ant-fake-0123456789';
/** What a customer gets unless a test asks for another amount: 10 USD. */
export const DEFAULT_GRANT_MICROS = 10_000_000n;

export interface Account {
  customerId: string;
  walletId: string;
  key: string;
  keyId: string;
}

export interface KeyOptions {
  models?: string[] | null;
  expiresAt?: number | null;
  teamId?: string | null;
  userId?: string | null;
  feature?: string | null;
  walletId?: string | null;
  endStreamOnHoldExhausted?: boolean;
  requestsPerMinute?: number | null;
  tokensPerMinute?: number | null;
}

export interface GatewayServer {
  baseUrl: string;
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

export interface Harness extends Account {
  kind: StoreKind;
  /** The database's URL, for another instance with its own connections. */
  databaseUrl: string;
  /** http://127.0.0.1:PORT of Tollgate (the SDKs' baseURL is this + /v1 for OpenAI). */
  baseUrl: string;
  store: Store;
  data: GatewayStore;
  ledger: Ledger;
  runtime: GatewayRuntime;
  fake: FakeProvider;
  /** A new customer with a usd wallet granted `grant` micros and a key. */
  account(grant?: Micros, key?: KeyOptions): Promise<Account>;
  createKey(customerId: string, options?: KeyOptions): Promise<{ key: string; id: string }>;
  wallet(walletId: string): Promise<Wallet>;
  /** The usage event of a request (by x-tollgate-request-id), waiting up to `timeoutMs` for it. */
  usageEvent(requestId: string, timeoutMs?: number): Promise<UsageEvent | undefined>;
  usageEvents(requestId: string): Promise<UsageEvent[]>;
  /** Resolves once every call answered so far (by any of its servers) is charged. */
  settled(): Promise<void>;
  /** Another Tollgate on the same store and ledger, with more env (e.g. a small body limit). */
  spawnServer(env: NodeJS.ProcessEnv): Promise<GatewayServer>;
  /** Another Tollgate instance on the same database through its own store (connection pool). */
  spawnInstance(): Promise<GatewayServer>;
  close(): Promise<void>;
}

async function serveGateway(store: Store, ledger: Ledger, env: NodeJS.ProcessEnv): Promise<GatewayServer> {
  const runtime = await setupGateway({ store, ledger, outbox: ':memory:', env });
  const app = createApp({ store, ledger, authorizeAdmin: async () => false, gateway: runtime });
  // The server `tollgate start` runs: the gateway on the lean node:http path, the rest on Hono.
  // TOLLGATE_TEST_GATEWAY_PATH=web serves the gateway through Hono's Web Request/Response instead.
  const lean = process.env.TOLLGATE_TEST_GATEWAY_PATH !== 'web';
  const server = await listen(app, 0, '127.0.0.1', lean ? runtime.gateway : undefined);
  return {
    baseUrl: `http://127.0.0.1:${server.port}`,
    runtime,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

/**
 * Tollgate as a client sees it: a fresh migrated database of `kind`, the ledger, the gateway wired
 * to a fake upstream (OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at it), served over real HTTP;
 * plus one customer with a granted usd wallet and a virtual key.
 */
export async function startHarness(kind: StoreKind, env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const fake = await startFakeProvider();
  const databaseUrl = await freshDatabase(kind);
  const store = openStore(databaseUrl);
  await store.migrate();
  const ledger = new Ledger(store);
  const data = gatewayStore(store);
  const gatewayEnv: NodeJS.ProcessEnv = {
    OPENAI_BASE_URL: `${fake.url}/v1`,
    OPENAI_API_KEY: OPENAI_KEY,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ...env,
  };
  const main = await serveGateway(store, ledger, gatewayEnv);
  const spawned: GatewayServer[] = [];

  async function createKey(
    customerId: string,
    options: KeyOptions = {},
  ): Promise<{ key: string; id: string }> {
    const generated = generateVirtualKey();
    const row: VirtualKeyRow = {
      id: newId('key'),
      digest: generated.digest,
      prefix: generated.prefix,
      name: null,
      customerId,
      teamId: options.teamId ?? null,
      userId: options.userId ?? null,
      feature: options.feature ?? null,
      models: options.models ?? null,
      walletId: options.walletId ?? null,
      endStreamOnHoldExhausted: options.endStreamOnHoldExhausted ?? false,
      expiresAt: options.expiresAt ?? null,
      revokedAt: null,
      createdAt: Date.now(),
      requestsPerMinute: options.requestsPerMinute ?? null,
      tokensPerMinute: options.tokensPerMinute ?? null,
    };
    await data.createKey(row);
    return { key: generated.key, id: row.id };
  }

  async function account(
    grant: Micros = DEFAULT_GRANT_MICROS,
    keyOptions: KeyOptions = {},
  ): Promise<Account> {
    const customerId = newId('cus');
    await store.createCustomer({
      id: customerId,
      name: 'Test customer',
      metadata: null,
      createdAt: Date.now(),
    });
    const wallet = await store.createWallet({
      id: newId('wal'),
      customerId,
      teamId: null,
      unit: 'usd',
      overdraftLimit: 0n,
      capturePolicy: 'reject',
      createdAt: Date.now(),
    });
    if (grant > 0n) {
      const result = await ledger.submit({
        command: {
          kind: 'grant',
          walletId: wallet.id,
          amount: grant,
          source: 'purchase',
          expiresAt: null,
          priority: 50,
        },
      });
      if (!result.ok) throw new Error(`grant failed: ${result.code}`);
    }
    const key = await createKey(customerId, keyOptions);
    return { customerId, walletId: wallet.id, key: key.key, keyId: key.id };
  }

  const first = await account();

  /** Calls are charged just after their answer: reads first wait for every server's settlements. */
  async function settled(): Promise<void> {
    await Promise.all([main, ...spawned].map((server) => server.runtime.settled()));
  }

  async function usageEvents(requestId: string): Promise<UsageEvent[]> {
    await settled();
    return (await data.listUsageEvents({ requestId, limit: 10 })).data;
  }

  return {
    kind,
    databaseUrl,
    ...first,
    baseUrl: main.baseUrl,
    store,
    // Reads through these see every call answered so far (as the admin API's reads do).
    data: afterSettled(data, settled),
    ledger: Object.assign(Object.create(ledger) as Ledger, {
      verify: () => settled().then(() => ledger.verify()),
      wallet: (id: string) => settled().then(() => ledger.wallet(id)),
    }),
    runtime: main.runtime,
    fake,
    account,
    createKey,
    settled,
    async wallet(walletId) {
      await settled();
      const wallet = await ledger.wallet(walletId);
      if (!wallet) throw new Error(`no wallet ${walletId}`);
      return wallet;
    },
    usageEvents,
    async usageEvent(requestId, timeoutMs = 1_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const events = await usageEvents(requestId);
        if (events.length > 0 || Date.now() > until) return events[0];
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async spawnServer(env) {
      const server = await serveGateway(store, ledger, { ...gatewayEnv, ...env });
      spawned.push(server);
      return server;
    },
    async spawnInstance() {
      const own = openStore(databaseUrl);
      const server = await serveGateway(own, new Ledger(own), gatewayEnv);
      const instance = {
        ...server,
        async close() {
          await server.close();
          await own.close();
        },
      };
      spawned.push(instance);
      return instance;
    },
    async close() {
      for (const server of spawned) await server.close();
      await main.close();
      await fake.close();
      await store.close();
    },
  };
}

/** The built-in rate cards, read from the JSON file itself (not through the code under test). */
interface CardJson {
  provider: string;
  model: string;
  input: number;
  output: number;
  cached_input?: number;
  cache_write?: number;
}
const CARDS = (
  JSON.parse(
    readFileSync(new URL('../../packages/providers/src/catalog/rate-cards.json', import.meta.url), 'utf8'),
  ) as { cards: CardJson[] }
).cards;

export function cardFor(provider: string, model: string): CardJson {
  const matches = CARDS.filter(
    (c) => c.provider === provider && (c.model === model || model.startsWith(`${c.model}-`)),
  );
  const card = matches.sort((a, b) => b.model.length - a.model.length)[0];
  if (!card) throw new Error(`no card for ${provider}/${model}`);
  return card;
}

/** a / b rounded half-up, for non-negative bigints. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  return (a * 2n + b) / (2n * b);
}

/**
 * The price of a usage as DESIGN.md §3 defines it, from the card's numbers:
 * roundHalfUp((uncached_in×input + cached×cached_input + cache_write×cache_write + out×output) / 1e6).
 */
export function expectedCost(provider: string, model: string, usage: ExpectedUsage): bigint {
  const card = cardFor(provider, model);
  const cached = BigInt(usage.cached_input_tokens);
  const cacheWrite = BigInt(usage.cache_creation_input_tokens);
  const uncached = BigInt(usage.input_tokens) - cached - cacheWrite;
  const scaled =
    uncached * BigInt(card.input) +
    cached * BigInt(card.cached_input ?? card.input) +
    cacheWrite * BigInt(card.cache_write ?? card.input) +
    BigInt(usage.output_tokens) * BigInt(card.output);
  return divRoundHalfUp(scaled, 1_000_000n);
}

/** The hold a call takes: every counted prompt token at the input rate plus its output ceiling. */
export function expectedHold(
  provider: string,
  model: string,
  promptTokens: number,
  maxOutputTokens: number,
): bigint {
  const card = cardFor(provider, model);
  return divRoundHalfUp(
    BigInt(promptTokens) * BigInt(card.input) + BigInt(maxOutputTokens) * BigInt(card.output),
    1_000_000n,
  );
}

/** Attribution headers every billing test sends, and what the usage event must carry from them. */
export const ATTRIBUTION_HEADERS = {
  'x-tollgate-user': 'user-42',
  'x-tollgate-team': 'team-blue',
  'x-tollgate-feature': 'summaries',
  'x-tollgate-session': 'sess-7',
  'x-tollgate-tags': 'env=test;plan=pro',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
export const ATTRIBUTION_EXPECTED = {
  userId: 'user-42',
  teamId: 'team-blue',
  feature: 'summaries',
  sessionId: 'sess-7',
  tags: { env: 'test', plan: 'pro' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `target` whose every method first waits for `settled()`. */
function afterSettled<T extends object>(target: T, settled: () => Promise<void>): T {
  return new Proxy(target, {
    get(object, name) {
      const value = Reflect.get(object, name, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => settled().then(() => value.apply(object, args));
    },
  });
}
