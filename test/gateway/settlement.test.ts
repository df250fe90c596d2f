import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Micros, newId, type UsageEvent } from '@tollgate/domain';
import { gatewayStore, Ledger, Outbox, openStore, PostgresStore, type Store } from '@tollgate/storage';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient } from '../../packages/server/src/admin/test-client.ts';
import { generateVirtualKey } from '../../packages/server/src/gateway/keys.ts';
import { encode, type Settlement, Settler } from '../../packages/server/src/gateway/settler.ts';
import { type FakeProvider, fixtureEntry, startFakeProvider } from '../fake-provider/server.ts';
import { type Server, startServer, tollgate } from '../fixtures/cli-process.ts';
import { seedWallet, usageEvent } from '../fixtures/wallets.ts';
import { freshDatabase, type StoreKind } from '../stores.ts';
import { type Harness, OPENAI_KEY, startHarness, waitFor } from './harness.ts';

/**
 * Calls are charged just after their answer, from a durable local outbox (DESIGN.md §5). These
 * tests kill the process between the answer and the charge, replay settlements, lose holds, and
 * share an outbox between instances: every answered call must be charged exactly once.
 */
const WRITER = fileURLToPath(new URL('../fixtures/outbox-writer.ts', import.meta.url));
const REQUEST = fixtureEntry('openai_chat_nonstream.json').request
  .body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
const GRANT = 10_000_000n;
const CALLS = 5;
/** Long enough that nothing settles by timer while the test looks. */
const NEVER_MS = '600000';
const SETTLE_WAIT_MS = 10_000;

interface Account {
  customerId: string;
  walletId: string;
  key: string;
}

/** A customer with a funded usd wallet and a virtual key. */
async function seed(store: Store, ledger: Ledger, grant: Micros = GRANT): Promise<Account> {
  const { customerId, walletId } = await seedWallet(store, ledger, grant);
  const generated = generateVirtualKey();
  await gatewayStore(store).createKey({
    id: newId('key'),
    digest: generated.digest,
    prefix: generated.prefix,
    name: null,
    customerId,
    teamId: null,
    userId: null,
    feature: null,
    models: null,
    walletId: null,
    endStreamOnHoldExhausted: false,
    expiresAt: null,
    revokedAt: null,
    createdAt: Date.now(),
  });
  return { customerId, walletId, key: generated.key };
}

async function counts(store: Store, account: Account) {
  const data = gatewayStore(store);
  const events = (await data.listUsageEvents({ customerId: account.customerId, limit: 100 })).data;
  const ledger = new Ledger(store);
  const wallet = (await ledger.wallet(account.walletId))!;
  return { events, wallet, violations: await ledger.verify() };
}

/** A usage event as the gateway writes one, for settlements made by hand. */
function usageEventFor(account: Account, holdId: string | null, price: Micros): UsageEvent {
  return { ...usageEvent({ ...account, userId: 'user-1', price, at: Date.now() }), holdId };
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`settlement after the answer [${kind}]`, () => {
    let databaseUrl: string;
    let store: Store;
    let ledger: Ledger;
    let fake: FakeProvider;
    let dir: string;
    beforeAll(async () => {
      databaseUrl = await freshDatabase(kind);
      store = openStore(databaseUrl);
      await store.migrate();
      ledger = new Ledger(store);
      fake = await startFakeProvider();
      dir = mkdtempSync(join(tmpdir(), 'tollgate-outbox-'));
    });
    afterAll(async () => {
      await fake?.close();
      await store?.close();
    });

    const serverEnv = (outbox: string, extra: Record<string, string> = {}) => ({
      DATABASE_URL: databaseUrl,
      TOLLGATE_OUTBOX: outbox,
      OPENAI_BASE_URL: `${fake.url}/v1`,
      OPENAI_API_KEY: OPENAI_KEY,
      ...extra,
    });

    it('a process killed after answering and before charging: the next start charges each call exactly once', async () => {
      const account = await seed(store, ledger);
      const outbox = join(dir, 'killed.outbox');
      const first = await startServer(serverEnv(outbox, { TOLLGATE_SETTLE_GATHER_MS: NEVER_MS }));
      let prices = 0n;
      try {
        const client = new OpenAI({ apiKey: account.key, baseURL: `${first.url}/v1`, maxRetries: 0 });
        for (let i = 0; i < CALLS; i++) {
          const { response } = await client.chat.completions.create(REQUEST).withResponse();
          prices += BigInt(response.headers.get('x-tollgate-price')!);
        }
        // Answered, not yet charged: the holds are open and nothing is metered.
        const before = await counts(store, account);
        expect(before.events).toHaveLength(0);
        expect(before.wallet.pending).toBeGreaterThan(0n);
        expect(before.wallet.balance).toBe(GRANT);
      } finally {
        first.child.kill('SIGKILL');
        await first.exited;
      }
      expect(prices).toBeGreaterThan(0n);

      const second = await startServer(serverEnv(outbox));
      try {
        let after = await counts(store, account);
        await waitFor(
          async () => {
            after = await counts(store, account);
            return after.events.length === CALLS && after.wallet.pending === 0n;
          },
          SETTLE_WAIT_MS,
          `${CALLS} calls charged`,
        );
        expect(after.wallet.balance).toBe(GRANT - prices);
        expect(after.events.reduce((sum, e) => sum + e.price, 0n)).toBe(prices);
        expect(after.violations).toEqual([]);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
      // A third start finds nothing left to apply: still exactly one charge per call.
      const third: Server = await startServer(serverEnv(outbox));
      third.child.kill('SIGTERM');
      await third.exited;
      const final = await counts(store, account);
      expect(final.events).toHaveLength(CALLS);
      expect(final.wallet.balance).toBe(GRANT - prices);
      expect(final.violations).toEqual([]);
    });

    it('an instance stopped cleanly charges every answered call before it exits', async () => {
      const account = await seed(store, ledger);
      const server = await startServer(
        serverEnv(join(dir, 'clean.outbox'), { TOLLGATE_SETTLE_GATHER_MS: NEVER_MS }),
      );
      const client = new OpenAI({ apiKey: account.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
      for (let i = 0; i < CALLS; i++) await client.chat.completions.create(REQUEST);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      const after = await counts(store, account);
      expect(after.events).toHaveLength(CALLS);
      expect(after.wallet.pending).toBe(0n);
      expect(after.violations).toEqual([]);
    });

    it('a committed settlement leaves the outbox soon after, while the instance runs', async () => {
      const account = await seed(store, ledger);
      const hold = await ledger.submit({
        command: { kind: 'hold', walletId: account.walletId, amount: 500n, ttlMs: 60_000 },
      });
      if (!hold.ok || hold.value.kind !== 'hold') throw new Error('hold failed');
      const path = join(dir, 'removal.outbox');
      const settler = new Settler({
        ledger,
        store: gatewayStore(store),
        ...durability(store),
        outbox: new Outbox(path, 'test'),
      });
      const reader = new Outbox(path, 'reader');
      try {
        await settler.settle({
          holdId: hold.value.hold.id,
          walletId: account.walletId,
          amount: 120n,
          event: usageEventFor(account, hold.value.hold.id, 120n),
        });
        await settler.settled();
        // Removals are gathered (one delete per REMOVE_EVERY_MS, after the WAL flush on PostgreSQL),
        // not left for a close.
        await waitFor(async () => reader.size() === 0, 5_000, 'the entry removed');
      } finally {
        reader.close();
        await settler.close();
      }
    });

    it('a settlement replayed after its commit went unanswered is charged once', async () => {
      const account = await seed(store, ledger);
      const hold = await ledger.submit({
        command: { kind: 'hold', walletId: account.walletId, amount: 500n, ttlMs: 60_000 },
      });
      if (!hold.ok || hold.value.kind !== 'hold') throw new Error('hold failed');
      const settlement: Settlement = {
        holdId: hold.value.hold.id,
        walletId: account.walletId,
        amount: 120n,
        event: usageEventFor(account, hold.value.hold.id, 120n),
      };
      const path = join(dir, 'replay.outbox');
      // The same settlement left twice by instances that are gone (as after a crash mid-commit).
      for (const owner of ['gone-1', 'gone-2']) {
        const orphaned = new Outbox(path, owner);
        orphaned.append([encode(settlement)]);
        orphaned.close();
      }
      for (let i = 0; i < 2; i++) {
        const settler = new Settler({
          ledger,
          store: gatewayStore(store),
          ...durability(store),
          outbox: new Outbox(path, `test-${i}`),
        });
        await settler.settled();
        await settler.close();
      }
      const after = await counts(store, account);
      expect(after.events.map((e) => e.id)).toEqual([settlement.event.id]);
      expect(after.wallet.balance).toBe(GRANT - 120n);
      expect(after.wallet.pending).toBe(0n);
      expect(after.violations).toEqual([]);
      expect(new Outbox(path, 'reader').size()).toBe(0);
    });

    it('a lost-hold settlement left in the outbox after its commit is not charged again', async () => {
      const account = await seed(store, ledger, 1_000n);
      const settlement: Settlement = {
        holdId: 'hld_lost_then_replayed',
        walletId: account.walletId,
        amount: 70n,
        event: usageEventFor(account, null, 70n),
      };
      const path = join(dir, 'lost-replay.outbox');
      const first = new Settler({
        ledger,
        store: gatewayStore(store),
        ...durability(store),
        outbox: new Outbox(path, 'first'),
      });
      await first.settle(settlement);
      await first.settled();
      await first.close();
      // As if the process had died after the commit and before removing the entry.
      const orphaned = new Outbox(path, 'gone');
      orphaned.append([encode(settlement)]);
      orphaned.close();
      const second = new Settler({
        ledger,
        store: gatewayStore(store),
        ...durability(store),
        outbox: new Outbox(path, 'second'),
      });
      await second.settled();
      await second.close();
      const after = await counts(store, account);
      expect(after.events.map((e) => e.id)).toEqual([settlement.event.id]);
      expect(after.wallet.balance).toBe(1_000n - 70n);
      expect(after.violations).toEqual([]);
      const reader = new Outbox(path, 'reader');
      expect([reader.size(), reader.dead()]).toEqual([0, []]);
      reader.close();
    });

    it('a settlement the ledger refuses is kept in the dead letters with its reason, and does not block the others', async () => {
      const account = await seed(store, ledger);
      const hold = await ledger.submit({
        command: { kind: 'hold', walletId: account.walletId, amount: 500n, ttlMs: 60_000 },
      });
      if (!hold.ok || hold.value.kind !== 'hold') throw new Error('hold failed');
      const good: Settlement = {
        holdId: hold.value.hold.id,
        walletId: account.walletId,
        amount: 90n,
        event: usageEventFor(account, hold.value.hold.id, 90n),
      };
      const refused: Settlement = {
        holdId: 'hld_never_was',
        walletId: 'wal_never_was',
        amount: 90n,
        event: usageEventFor(account, null, 90n),
      };
      const path = join(dir, 'dead.outbox');
      const lines: string[] = [];
      const settler = new Settler({
        ledger,
        store: gatewayStore(store),
        ...durability(store),
        outbox: new Outbox(path, 'test'),
        log: (line) => lines.push(line),
      });
      await Promise.all([settler.settle(refused), settler.settle(good)]);
      await settler.settled();
      await settler.close();
      const after = await counts(store, account);
      expect(after.events.map((e) => e.id)).toEqual([good.event.id]);
      const reader = new Outbox(path, 'reader');
      expect(reader.size()).toBe(0);
      expect(reader.dead()).toEqual([
        expect.objectContaining({
          body: encode(refused),
          reason: expect.stringContaining('wallet_not_found'),
        }),
      ]);
      reader.close();
      expect(lines.join('\n')).toContain('hld_never_was');
    });

    it('a settlement whose hold was lost (a database crash forgot it) charges the wallet directly', async () => {
      const account = await seed(store, ledger, 100n);
      const settlement: Settlement = {
        holdId: 'hld_lost_in_a_crash',
        walletId: account.walletId,
        amount: 150n,
        event: usageEventFor(account, null, 150n),
      };
      const settler = new Settler({
        ledger,
        store: gatewayStore(store),
        ...durability(store),
        outbox: new Outbox(join(dir, 'lost.outbox'), 'test'),
      });
      await settler.settle(settlement);
      await settler.settled();
      await settler.close();
      const after = await counts(store, account);
      expect(after.events.map((e) => e.price)).toEqual([150n]);
      // The wallet had 100: it is spent, and the other 50 are owed.
      expect(after.wallet.balance).toBe(0n);
      expect(after.wallet.owed).toBe(50n);
      expect(after.violations).toEqual([]);
    });
  });
}

/** Runs test/fixtures/outbox-writer.ts; resolves with the entry it appended. */
function writer(
  path: string,
  owner: string,
  mode: 'stay' | 'exit',
): Promise<{ seq: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, owner, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /seq (\d+)\n/.exec(out);
      if (!match) return;
      const seq = Number(match[1]);
      if (mode === 'stay') resolve({ seq, child });
      else child.once('exit', () => resolve({ seq, child }));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!/seq \d+/.test(out)) reject(new Error(`outbox writer exited with ${code}`));
    });
  });
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`reads after a call [${kind}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('an admin read right after a call sees it charged, though settlements would otherwise wait', async () => {
      // Settlements of this instance never go by timer: only a read's wait can bring them in.
      const server = await h.spawnServer({ TOLLGATE_SETTLE_GATHER_MS: NEVER_MS });
      const client = new OpenAI({ apiKey: h.key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions.create(REQUEST).withResponse();
      const price = BigInt(response.headers.get('x-tollgate-price')!);
      const before = (await new Ledger(h.store).wallet(h.walletId))!;
      expect(before.pending).toBeGreaterThan(0n);
      // The instance's own ledger: wallet reads there count its lease's unreserved part as available.
      const api = adminClient(h.store, h.ledger, server.runtime);
      const wallet = await api.call('GET', `/wallets/${h.walletId}`);
      expect(wallet.status).toBe(200);
      expect(wallet.body).toMatchObject({ balance: Number(before.balance - price), pending: 0 });
    });
  });
}

/** As the gateway's setup wires it: on PostgreSQL, outbox entries wait for the WAL flush. */
function durability(store: Store) {
  return store instanceof PostgresStore ? { durability: () => store.walPosition() } : {};
}

describe('settlement outbox', () => {
  it('instances sharing a file take over a gone instance’s entries once between them', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-outbox-')), 'shared.outbox');
    const gone = new Outbox(path, 'gone');
    const seqs = gone.append(Array.from({ length: 50 }, (_, i) => `entry ${i}`));
    gone.close();
    const a = new Outbox(path, 'a');
    const b = new Outbox(path, 'b');
    const [own] = a.append(['a’s own']) as [number];
    const claimed = [...a.claimOrphans(new Set([own])), ...b.claimOrphans(new Set())].map((e) => e.seq);
    expect(claimed.sort((x, y) => x - y)).toEqual(seqs);
    // A live instance's entries are never taken.
    expect(b.claimOrphans(new Set()).map((e) => e.seq)).not.toContain(own);
    a.close();
    b.close();
  });

  it('an instance of this host whose process ended is gone at once; a running one keeps its entries', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-outbox-')), 'processes.outbox');
    const crashed = await writer(path, 'crashed', 'exit');
    const running = await writer(path, 'running', 'stay');
    try {
      const survivor = new Outbox(path, 'survivor');
      expect(survivor.claimOrphans(new Set()).map((e) => e.seq)).toEqual([crashed.seq]);
      survivor.close();
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('an instance whose heartbeat went stale is gone, even if its process id is reused', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-outbox-')), 'stale.outbox');
    let now = 1_000_000;
    const stale = new Outbox(path, 'stale', { clock: () => now });
    const [seq] = stale.append(['left behind']) as [number];
    const other = new Outbox(path, 'other', { clock: () => now });
    expect(other.claimOrphans(new Set())).toEqual([]);
    now += 60_000;
    expect(other.claimOrphans(new Set()).map((e) => e.seq)).toEqual([seq]);
    other.close();
  });
});

describe('tollgate outbox', () => {
  it('shows what waits per instance and every dead letter with its reason', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tollgate-outbox-')), 'cli.outbox');
    const gone = new Outbox(path, 'gone-instance');
    const [waiting, refused] = gone.append([
      encode({
        holdId: 'hld_wait',
        walletId: 'wal_1',
        amount: 42n,
        event: { requestId: 'req_wait', cost: 40n, price: 42n } as UsageEvent,
      }),
      encode({
        holdId: 'hld_dead',
        walletId: 'wal_2',
        amount: 7n,
        event: { requestId: 'req_dead', cost: 7n, price: 7n } as UsageEvent,
      }),
    ]) as [number, number];
    gone.bury([{ seq: refused, reason: 'wallet_not_found: No wallet wal_2' }]);
    gone.close();
    const json = await tollgate(['outbox', '--json'], { TOLLGATE_OUTBOX: path });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      path,
      entries: 1,
      owners: [{ owner: 'gone-instance', entries: 1, host: null }],
      dead: [
        {
          seq: refused,
          requestId: 'req_dead',
          walletId: 'wal_2',
          holdId: 'hld_dead',
          amount: '7',
          reason: 'wallet_not_found: No wallet wal_2',
        },
      ],
    });
    expect(waiting).toBeLessThan(refused);
    const text = await tollgate(['outbox'], { TOLLGATE_OUTBOX: path });
    expect(text.stdout).toContain('1 settlement waiting, 1 dead letter');
    expect(text.stdout).toContain('req_dead');
    const none = await tollgate(['outbox'], { TOLLGATE_OUTBOX: join(tmpdir(), 'tollgate-no-such.outbox') });
    expect([none.code, none.stdout]).toEqual([0, expect.stringContaining('No outbox at')]);
  });
});
