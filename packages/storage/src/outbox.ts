import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** An instance whose heartbeat is older than this is gone: its entries are anyone's to finish. */
export const OUTBOX_OWNER_STALE_MS = 15_000;

export interface OutboxEntry {
  seq: number;
  body: string;
}

/**
 * A local, durable queue of work the hot path has promised and not yet done (DESIGN.md §5): the
 * gateway appends a call's settlement before it answers, and removes it once the ledger has
 * committed it. One SQLite file in WAL mode with `synchronous = NORMAL`: an append is a write()
 * to the log, no fsync, so an entry survives the process being killed (not a power cut, like the
 * SQLite store itself).
 *
 * Several processes may share the file: each entry names the instance that appended it, and an
 * instance that stops beating its heartbeat leaves its entries to the next one that claims them.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly appendStatement: Database.Statement;
  private readonly removeStatement: Database.Statement;
  private readonly heartbeatStatement: Database.Statement;

  constructor(
    readonly path: string,
    readonly owner: string,
    private readonly clock: () => number = Date.now,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outbox_entries_owner ON outbox_entries (owner, seq);
      CREATE TABLE IF NOT EXISTS outbox_owners (
        owner TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
    `);
    this.appendStatement = this.db.prepare(
      'INSERT INTO outbox_entries (owner, body, created_at) VALUES (?, ?, ?)',
    );
    this.removeStatement = this.db.prepare(
      'DELETE FROM outbox_entries WHERE seq IN (SELECT value FROM json_each(?))',
    );
    this.heartbeatStatement = this.db.prepare(
      'INSERT INTO outbox_owners (owner, pid, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at',
    );
    this.heartbeat();
  }

  /** Writes entries in one transaction (durable when this returns); returns their sequence numbers. */
  append(bodies: readonly string[]): number[] {
    const now = this.clock();
    const write = this.db.transaction(() =>
      bodies.map((body) => Number(this.appendStatement.run(this.owner, body, now).lastInsertRowid)),
    );
    return write.immediate();
  }

  /** Forgets entries that are done. */
  remove(seqs: readonly number[]): void {
    if (seqs.length > 0) this.removeStatement.run(JSON.stringify(seqs));
  }

  /** Tells the other instances sharing the file that this one is alive. */
  heartbeat(): void {
    this.heartbeatStatement.run(this.owner, process.pid, this.clock());
  }

  /**
   * Takes over, in one transaction (so that two instances never both take one), the entries of
   * instances that are gone (their heartbeat is older than `staleMs`, or their process no longer
   * runs on this host), and returns every entry this instance now owns that is not in `known`
   * (its own entries still in memory).
   */
  claimOrphans(known: ReadonlySet<number>, staleMs = OUTBOX_OWNER_STALE_MS): OutboxEntry[] {
    const claim = this.db.transaction(() => {
      const stale = this.clock() - staleMs;
      const owners = this.db.prepare('SELECT owner, pid, heartbeat_at FROM outbox_owners').all() as {
        owner: string;
        pid: number;
        heartbeat_at: number;
      }[];
      const alive = owners
        .filter((o) => o.owner === this.owner || (o.heartbeat_at >= stale && processRuns(o.pid)))
        .map((o) => o.owner);
      const live = JSON.stringify(alive);
      this.db
        .prepare('UPDATE outbox_entries SET owner = ? WHERE owner NOT IN (SELECT value FROM json_each(?))')
        .run(this.owner, live);
      this.db
        .prepare('DELETE FROM outbox_owners WHERE owner NOT IN (SELECT value FROM json_each(?))')
        .run(live);
      return this.db
        .prepare('SELECT seq, body FROM outbox_entries WHERE owner = ? ORDER BY seq')
        .all(this.owner) as OutboxEntry[];
    });
    return claim.immediate().filter((entry) => !known.has(entry.seq));
  }

  /** Entries not yet done, all owners (for operators and tests). */
  size(): number {
    return Number((this.db.prepare('SELECT COUNT(*) AS n FROM outbox_entries').get() as { n: number }).n);
  }

  /** Closes the file; this instance's heartbeat is removed, so its entries (if any) are claimable at once. */
  close(): void {
    if (!this.db.open) return;
    this.db.prepare('DELETE FROM outbox_owners WHERE owner = ?').run(this.owner);
    this.db.close();
  }
}

/** Whether a process runs on this host (another host's instance never shares the file). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as { code?: string }).code === 'EPERM';
  }
}
