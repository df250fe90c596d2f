import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../outbox.ts';
import { BackgroundCheckpointer } from './checkpointer.ts';
import { SqliteStore } from './store.ts';

/**
 * A checkpoint copies the log's pages into the database file, so the file grows only when one
 * runs. Written pages stay below every automatic threshold here: a file that grows was
 * checkpointed by the background thread, and one that does not shows nothing else did it.
 */
const ROWS = 2_000;
const PAYLOAD = 'x'.repeat(1_000);

function fill(db: SqliteStore['db']): void {
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (payload) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(PAYLOAD);
  })();
}

async function grows(file: string, beyond: number, withinMs: number): Promise<boolean> {
  for (const until = Date.now() + withinMs; Date.now() < until; ) {
    if (statSync(file).size > beyond) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return statSync(file).size > beyond;
}

/** Below the 2 MB written, so that they are checkpointed at the next poll. */
const SMALL_LOG = { walBytes: 1024 * 1024, pollMs: 50 };

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tollgate-checkpoint-')), 'db.sqlite');

describe('background WAL checkpoints', () => {
  it('copy the log into the database file off the committing thread', async () => {
    const file = tempFile();
    const store = new SqliteStore(file, { backgroundCheckpoints: SMALL_LOG });
    const before = statSync(file).size;
    fill(store.db);
    expect(await grows(file, before + ROWS * PAYLOAD.length, 3_000)).toBe(true);
    await store.close();
    expect(store.db.open).toBe(false);
  });

  it('wait for the log to reach their threshold, and the log starts over small once copied', async () => {
    const file = tempFile();
    const waiting = new SqliteStore(file, {
      backgroundCheckpoints: { walBytes: 64 * 1024 * 1024, pollMs: 50 },
    });
    const before = statSync(file).size;
    fill(waiting.db);
    expect(await grows(file, before + ROWS * PAYLOAD.length, 500)).toBe(false);
    await waiting.close();

    const other = tempFile();
    const store = new SqliteStore(other, { backgroundCheckpoints: SMALL_LOG });
    fill(store.db);
    expect(await grows(other, ROWS * PAYLOAD.length, 3_000)).toBe(true);
    // Once the checkpoint has copied everything, the next writer starts the log over, truncated:
    // its size on disk is what it holds again.
    store.db.exec('CREATE TABLE after_checkpoint (id INTEGER PRIMARY KEY)');
    let small = false;
    for (const until = Date.now() + 3_000; !small && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      store.db.exec('INSERT INTO after_checkpoint DEFAULT VALUES');
      small = statSync(`${other}-wal`).size < SMALL_LOG.walBytes;
    }
    expect(small).toBe(true);
    await store.close();
  });

  it('say so when their thread fails', async () => {
    const lines: string[] = [];
    const missing = join(tmpdir(), `tollgate-missing-${process.pid}`, 'db.sqlite');
    const checkpointer = new BackgroundCheckpointer(missing, { log: (line) => lines.push(line) });
    await checkpointer.close();
    expect(lines).toEqual([expect.stringContaining(`the checkpoint thread of ${missing} failed`)]);
  });

  it('without them, the same writes stay in the log (the comparison above is not vacuous)', async () => {
    const file = tempFile();
    const store = new SqliteStore(file);
    const before = statSync(file).size;
    fill(store.db);
    expect(await grows(file, before + ROWS * PAYLOAD.length, 1_000)).toBe(false);
    await store.close();
  });

  it('serve the settlement outbox too, and end with it', async () => {
    const file = tempFile();
    const outbox = new Outbox(file, 'test', { backgroundCheckpoints: SMALL_LOG });
    const before = statSync(file).size;
    outbox.append(Array.from({ length: ROWS }, () => PAYLOAD));
    expect(await grows(file, before + ROWS * PAYLOAD.length, 3_000)).toBe(true);
    outbox.close();
    const reopened = new Outbox(file, 'reader');
    expect(reopened.size()).toBe(ROWS);
    reopened.close();
  });
});
