import { Ledger, type LedgerOptions, type Store } from '@tollgate/storage';
import { type AppDeps, createApp } from '../app.ts';

/** Test support for the admin route suites: the app over a real store, driven with app.request(). */
export const TEST_ADMIN_KEY = 'test-admin-key';

export interface CallOptions {
  body?: unknown;
  /** Sent as is, for malformed bodies. */
  rawBody?: string;
  idempotencyKey?: string;
  /** Overrides the admin key; null sends no Authorization header. */
  key?: string | null;
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response JSON freely.
  body: any;
  text: string;
}

let counter = 0;
/** A fresh id per call, so tests that share one database never collide. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * `gateway`: a runtime from setupGateway, for the routes that refresh its caches; `customer`:
 * what the customer routes get (CORS origins, wallet events), as start.ts gives it.
 */
export function adminClient(
  store: Store,
  options: LedgerOptions | Ledger = {},
  gateway?: AppDeps['gateway'],
  customer?: AppDeps['customer'],
) {
  // A Ledger given is shared (with a gateway's leases set aside on it, say).
  const ledger = options instanceof Ledger ? options : new Ledger(store, options);
  const app = createApp({
    store,
    ledger,
    authorizeAdmin: async (token) => token === TEST_ADMIN_KEY,
    gateway,
    customer,
  });

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const key = options.key === undefined ? TEST_ADMIN_KEY : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(`/api/v1${path}`, { method, headers, body });
    const text = await response.text();
    // Non-JSON answers (a CSV export) are read through `text`.
    const json = text && response.headers.get('content-type')?.includes('json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : null, text };
  }

  /** A customer with one wallet (and credits when `grant` is given). */
  async function seedWallet(fields: { unit?: string; grant?: number; overdraft_limit?: number } = {}) {
    const customerId = uniqueId('cus');
    await call('POST', '/customers', { body: { id: customerId } });
    const wallet = await call('POST', '/wallets', {
      body: {
        customer_id: customerId,
        unit: fields.unit ?? 'usd',
        overdraft_limit: fields.overdraft_limit ?? 0,
      },
    });
    if (wallet.status !== 201) throw new Error(`seed wallet failed: ${wallet.text}`);
    if (fields.grant)
      await call('POST', `/wallets/${wallet.body.id}/grants`, { body: { amount: fields.grant } });
    return { customerId, walletId: wallet.body.id as string };
  }

  /** How many journal transactions exist: to prove a refused request wrote nothing. */
  async function journalSize(): Promise<number> {
    let size = 0;
    let afterSeq: bigint | undefined;
    for (;;) {
      const page = await store.listTransactions({ afterSeq, limit: 500 });
      size += page.data.length;
      if (page.nextSeq === null) return size;
      afterSeq = page.nextSeq;
    }
  }

  return { app, ledger, call, seedWallet, journalSize };
}

export type AdminClient = ReturnType<typeof adminClient>;
