import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ledger, openStore } from '@tollgate/storage';
import { describe, expect, inject, it } from 'vitest';
import { crashRequestHash } from './fixtures/ledger-writer.ts';
import { freshDatabase, type StoreKind } from './stores.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/ledger-writer.ts', import.meta.url));
/** Kills per database; each run continues the stream the previous one was writing. */
const KILLS = 3;
/** Acknowledged operations a run must reach before it may be killed. */
const ACKS_BEFORE_KILL = 300;
/** After that, the kill comes within this window, so that it lands at an arbitrary point. */
const KILL_JITTER_MS_MAX = 300;
const RUN_TIMEOUT_MS = 30_000;
/** A hold id no operation ever creates: replaying a stored key never reaches the command. */
const PROBE_HOLD_ID = 'hld_crash_probe_absent';

interface Run {
  acks: Map<string, string>;
  signal: NodeJS.Signals | null;
}

/** Starts the writer, lets it acknowledge ACKS_BEFORE_KILL operations, then SIGKILLs it. */
function runAndKill(databaseUrl: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, databaseUrl], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks = new Map<string, string>();
  let stderr = '';
  let pending = '';
  let killing = false;
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(
      () => fail(`no ${ACKS_BEFORE_KILL} acks in ${RUN_TIMEOUT_MS} ms`),
      RUN_TIMEOUT_MS,
    );
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`ledger writer: ${why}; ${acks.size} acks; stderr:\n${stderr}`));
    };
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      // A line the kill cut short has no newline yet: it was never acknowledged.
      pending = lines.pop()!;
      for (const line of lines) recordAck(line, acks);
      if (!killing && acks.size >= ACKS_BEFORE_KILL) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * KILL_JITTER_MS_MAX);
      }
    });
    // 'close' waits for the pipes to drain, so every ack written before the kill is counted.
    child.on('close', (_code, signal) => {
      clearTimeout(timeout);
      if (!killing) fail(`exited by itself (signal ${signal})`);
      else resolve({ acks, signal });
    });
  });
}

function recordAck(line: string, acks: Map<string, string>): void {
  const match = /^ack (\S+) (\S+)$/.exec(line);
  if (!match) throw new Error(`ledger writer printed "${line}"`);
  acks.set(match[1]!, match[2]!);
}

/**
 * Reopens the store as a restarted server would: the journal must verify, and every acknowledged
 * key must replay the outcome that was acknowledged (a key the store lost would run the probe
 * command instead, which fails with hold_not_found and is not a replay).
 */
async function checkAfterCrash(databaseUrl: string, acks: Map<string, string>): Promise<void> {
  const store = openStore(databaseUrl);
  try {
    const ledger = new Ledger(store);
    expect(await ledger.verify()).toEqual([]);
    const keys = [...acks.keys()];
    const replays = await Promise.all(
      keys.map((key) =>
        ledger.submit({
          command: { kind: 'release', holdId: PROBE_HOLD_ID },
          idempotencyKey: key,
          requestHash: crashRequestHash(key),
        }),
      ),
    );
    const lost = keys.flatMap((key, i) => {
      const replay = replays[i]!;
      const stored = replay.ok ? 'ok' : replay.code;
      if (replay.replayed === true && stored === acks.get(key)) return [];
      return [`${key}: acked ${acks.get(key)}, ${replay.replayed ? `stored ${stored}` : 'not in the store'}`];
    });
    expect(lost.slice(0, 10), `${lost.length} of ${keys.length} acknowledged operations lost`).toEqual([]);
    // Holds the killed writer left open are settled by the next expiry pass, soundly.
    await ledger.expireDue();
    expect(await ledger.verify()).toEqual([]);
  } finally {
    await store.close();
  }
}

for (const kind of inject('stores') as StoreKind[]) {
  describe(`crash safety [${kind}]`, () => {
    it(`keeps every acknowledged operation and a sound journal across ${KILLS} SIGKILLs`, async () => {
      const databaseUrl = await freshDatabase(kind);
      const outcomes = new Map<string, number>();
      for (let kill = 0; kill < KILLS; kill++) {
        const run = await runAndKill(databaseUrl);
        expect(run.signal).toBe('SIGKILL');
        for (const outcome of run.acks.values()) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        await checkAfterCrash(databaseUrl, run.acks);
      }
      // The stream moved money, not only refusals.
      expect(outcomes.get('ok') ?? 0).toBeGreaterThan(KILLS * ACKS_BEFORE_KILL * 0.3);
    }, 120_000);
  });
}
