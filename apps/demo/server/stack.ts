import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTollgate, type Tollgate } from '../../../packages/server/src/runtime/start.ts';
import { type FakeProvider, startFakeProvider } from '../../../test/fake-provider/server.ts';
import { adminClient } from './admin-client.ts';
import { startBackend } from './backend.ts';
import { buildPage } from './build-page.ts';
import { USERS } from './history.ts';
import { type SeededDemo, seedDemo } from './seed.ts';

/** Fixed so the demo's README steps and scripts can use it; the demo's database is a temp file. */
export const DEMO_ADMIN_KEY = 'tg_admin_demo_0123456789abcdef';
const FAKE_OPENAI_KEY = 'sk-fake-openai-demo';
/** Calls made at start (about 20 cents each): enough to put the $2 daily soft budget in warning. */
const SEED_CALLS = 9;

export interface DemoStackOptions {
  /** Where the page is served (0 picks a free port). */
  port?: number;
  /** An already built page, so several stacks (tests) build it once. */
  pageDir?: string;
  log?: (line: string) => void;
}

export interface DemoStack {
  /** The page, and the demo backend's routes (/demo/session, /demo/call). */
  url: string;
  tollgate: Tollgate;
  fake: FakeProvider;
  seeded: SeededDemo;
  adminKey: string;
  close(): Promise<void>;
}

/**
 * Everything `npm run demo` runs, in one process: a fake OpenAI upstream, Tollgate on a temporary
 * SQLite file (CORS open to the page's origin), the seeded customer, and the page's backend.
 */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const log = options.log ?? (() => {});
  const builtPageDir = options.pageDir ? undefined : await buildPage();
  const pageDir = options.pageDir ?? builtPageDir!;
  const fake = await startFakeProvider();
  // The backend listens first: Tollgate's CORS allow-list needs the page's origin.
  const backend = await startBackend(options.port ?? 0);
  const databaseDir = mkdtempSync(join(tmpdir(), 'tollgate-demo-db-'));
  const databaseUrl = `sqlite:${join(databaseDir, 'demo.db')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENAI_BASE_URL: `${fake.url}/v1`,
    OPENAI_API_KEY: FAKE_OPENAI_KEY,
    TOLLGATE_CORS_ORIGINS: backend.url,
  };
  const tollgate = await startTollgate({
    databaseUrl,
    port: 0,
    host: '127.0.0.1',
    adminKey: DEMO_ADMIN_KEY,
    env,
    log,
  });
  const admin = adminClient(tollgate.url, DEMO_ADMIN_KEY);
  const seeded = await seedDemo(admin, tollgate.store);
  await spendToday(tollgate.url, seeded.virtualKey);
  backend.ready({ tollgateUrl: tollgate.url, admin, seeded, pageDir });
  return {
    url: backend.url,
    tollgate,
    fake,
    seeded,
    adminKey: DEMO_ADMIN_KEY,
    async close() {
      await backend.close();
      await tollgate.close();
      await fake.close();
      // The demo's data lives only as long as the demo.
      rmSync(databaseDir, { recursive: true, force: true });
      if (builtPageDir) rmSync(builtPageDir, { recursive: true, force: true });
    },
  };
}

/** Today's spend goes through the real gateway, so budgets and the live balance see it. */
async function spendToday(tollgateUrl: string, virtualKey: string): Promise<void> {
  for (let i = 0; i < SEED_CALLS; i++) {
    const response = await fetch(`${tollgateUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${virtualKey}`,
        'content-type': 'application/json',
        'x-tollgate-user': USERS[i % USERS.length]!,
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`seed call ${i} answered ${response.status}`);
  }
}
