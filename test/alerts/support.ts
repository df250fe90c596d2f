import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newId, type UsageEvent } from '@tollgate/domain';
import type { Ledger, Store } from '@tollgate/storage';

/** One request a receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver (webhooks, Slack) that records every request and answers with the
 * statuses it is given, in order (then 200).
 */
export async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = queue.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` is true, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let counter = 0;
export const uniqueId = (prefix: string): string => `${prefix}_${process.pid}_${++counter}`;

/** A customer with one usd wallet holding `grant` micros. */
export async function seedWallet(store: Store, ledger: Ledger, grant: bigint) {
  const customerId = uniqueId('cus');
  const now = Date.now();
  await store.createCustomer({ id: customerId, name: null, metadata: null, createdAt: now });
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
      amount: grant,
      source: 'purchase',
      expiresAt: null,
      priority: 0,
    },
  });
  if (!granted.ok) throw new Error(granted.message);
  return { customerId, walletId: wallet.id };
}

/** A priced call of `userId`, metered with its charge. */
export function usageEvent(fields: {
  customerId: string;
  walletId: string;
  userId: string;
  price: bigint;
  at: number;
}): UsageEvent {
  return {
    id: newId('use'),
    requestId: newId('req'),
    customerId: fields.customerId,
    teamId: null,
    userId: fields.userId,
    feature: null,
    sessionId: null,
    traceId: null,
    tags: null,
    keyId: null,
    walletId: fields.walletId,
    provider: 'openai',
    model: 'gpt-4o-mini',
    api: 'chat',
    valueUnit: null,
    inputTokens: 10,
    outputTokens: 10,
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    cost: fields.price / 2n,
    price: fields.price,
    unit: 'usd',
    cacheStatus: 'miss',
    status: 'ok',
    latencyMs: 5,
    upstreamRequestId: null,
    holdId: null,
    transactionId: null,
    createdAt: fields.at,
  };
}
