import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type BackgroundCheckpointer,
  type CheckpointOptions,
  checkpointInBackground,
} from './sqlite/checkpointer.ts';

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

  private readonly clock: () => number;
  private readonly checkpointer: BackgroundCheckpointer | null;
  private readonly gone: string[] = [];

  /** `backgroundCheckpoints`: the file's WAL checkpoints run on a thread of their own (checkpointer.ts). */
  constructor(
    readonly path: string,
    readonly owner: string,
    options: { clock?: () => number; backgroundCheckpoints?: boolean | CheckpointOptions } = {},
  ) {
    this.clock = options.clock ?? Date.now;
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
      -- Entries stay only until their commit: claims and summaries scan them, and an index on
      -- the owner was one more B-tree for every append and removal to write.
      DROP INDEX IF EXISTS outbox_entries_owner;
      CREATE TABLE IF NOT EXISTS outbox_owners (
        owner TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS outbox_dead (
        seq INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        body TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        buried_at INTEGER NOT NULL
      );
    `);
    this.appendStatement = this.db.prepare(
      'INSERT INTO outbox_entries (owner, body, created_at) VALUES (?, ?, ?)',
    );
    this.removeStatement = this.db.prepare(
      'DELETE FROM outbox_entries WHERE seq IN (SELECT value FROM json_each(?))',
    );
    this.heartbeatStatement = this.db.prepare(
      'INSERT INTO outbox_owners (owner, host, pid, heartbeat_at) VALUES (?, ?, ?, ?) ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at',
    );
    this.heartbeat();
    // Last: nothing above can throw and leave the thread running.
    this.checkpointer = checkpointInBackground(this.db, path, options.backgroundCheckpoints);
  }

  /** Writes entries in one transaction (durable when this returns); returns their sequence numbers. */
  append(bodies: readonly string[]): number[] {
    const now = this.clock();
    const write = this.db.transaction(() =>
      bodies.map((body) => Number(this.appendStatement.run(this.owner, body, now).lastInsertRowid)),
    );
    return write.immediate();
  }

  /**
   * Moves entries that can never be applied (refused by the ledger, unreadable) to `outbox_dead`
   * with the reason, for an operator to look at: they are not retried, and not lost either.
   */
  bury(entries: readonly { seq: number; reason: string }[]): void {
    if (entries.length === 0) return;
    const move = this.db.transaction(() => {
      const now = this.clock();
      for (const { seq, reason } of entries) {
        this.db
          .prepare(
            'INSERT OR REPLACE INTO outbox_dead (seq, owner, body, reason, created_at, buried_at) SELECT seq, owner, body, ?, created_at, ? FROM outbox_entries WHERE seq = ?',
          )
          .run(reason, now, seq);
        this.db.prepare('DELETE FROM outbox_entries WHERE seq = ?').run(seq);
      }
    });
    move.immediate();
  }

  /** Entries that were buried, newest first. */
  dead(limit = 100): { seq: number; body: string; reason: string; buriedAt: number }[] {
    return this.db
      .prepare('SELECT seq, body, reason, buried_at AS buriedAt FROM outbox_dead ORDER BY seq DESC LIMIT ?')
      .all(limit) as { seq: number; body: string; reason: string; buriedAt: number }[];
  }

  /** Forgets entries that are done. */
  remove(seqs: readonly number[]): void {
    if (seqs.length > 0) this.removeStatement.run(JSON.stringify(seqs));
  }

  /** Tells the other instances sharing the file that this one is alive. */
  heartbeat(): void {
    this.heartbeatStatement.run(this.owner, HOST, process.pid, this.clock());
  }

  /**
   * Takes over, in one transaction (so that two instances never both take one), the entries of
   * instances that are gone (their heartbeat is older than `staleMs`, or they ran on this host
   * and their process no longer does), and returns every entry this instance now owns that is not
   * in `known` (its own entries still in memory). Process ids are only compared on the same host
   * name: containers sharing a volume do not see each other's processes.
   */
  claimOrphans(known: ReadonlySet<number>, staleMs = OUTBOX_OWNER_STALE_MS): OutboxEntry[] {
    const gone: string[] = [];
    const claim = this.db.transaction(() => {
      const stale = this.clock() - staleMs;
      const owners = this.db.prepare('SELECT owner, host, pid, heartbeat_at FROM outbox_owners').all() as {
        owner: string;
        host: string;
        pid: number;
        heartbeat_at: number;
      }[];
      const alive = owners
        .filter(
          (o) =>
            o.owner === this.owner || (o.heartbeat_at >= stale && (o.host !== HOST || processRuns(o.pid))),
        )
        .map((o) => o.owner);
      const live = JSON.stringify(alive);
      this.db
        .prepare('UPDATE outbox_entries SET owner = ? WHERE owner NOT IN (SELECT value FROM json_each(?))')
        .run(this.owner, live);
      for (const o of owners) if (!alive.includes(o.owner)) gone.push(o.owner);
      this.db
        .prepare('DELETE FROM outbox_owners WHERE owner NOT IN (SELECT value FROM json_each(?))')
        .run(live);
      return this.db
        .prepare('SELECT seq, body FROM outbox_entries WHERE owner = ? ORDER BY seq')
        .all(this.owner) as OutboxEntry[];
    });
    const entries = claim.immediate();
    // Only once the claim committed: a claim that failed took nobody over.
    this.gone.push(...gone);
    return entries.filter((entry) => !known.has(entry.seq));
  }

  /**
   * The instances that claimOrphans found gone since the last call (their entries are this one's
   * now), once each: what they held elsewhere (the gateway's leases) is theirs to give back.
   */
  takeGone(): string[] {
    return this.gone.splice(0);
  }

  /** What is waiting, by instance, and how many entries were buried (for operators). */
  summary(): {
    owners: {
      owner: string;
      host: string | null;
      pid: number | null;
      heartbeatAt: number | null;
      entries: number;
    }[];
    entries: number;
    dead: number;
  } {
    const owners = this.db
      .prepare(
        `SELECT o.owner, w.host, w.pid, w.heartbeat_at AS heartbeatAt, COUNT(*) AS entries
         FROM outbox_entries o LEFT JOIN outbox_owners w ON w.owner = o.owner
         GROUP BY o.owner, w.host, w.pid, w.heartbeat_at ORDER BY o.owner`,
      )
      .all() as {
      owner: string;
      host: string | null;
      pid: number | null;
      heartbeatAt: number | null;
      entries: number;
    }[];
    const count = (table: string) =>
      Number((this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { owners, entries: count('outbox_entries'), dead: count('outbox_dead') };
  }

  /** Entries not yet done, all owners (for operators and tests). */
  size(): number {
    return Number((this.db.prepare('SELECT COUNT(*) AS n FROM outbox_entries').get() as { n: number }).n);
  }

  /** Closes the file; this instance's heartbeat is removed, so its entries (if any) are claimable at once. */
  close(): void {
    if (!this.db.open) return;
    this.db.prepare('DELETE FROM outbox_owners WHERE owner = ?').run(this.owner);
    // The thread's last checkpoint may still run: the file stays consistent whatever it finds.
    void this.checkpointer?.close();
    this.db.close();
  }
}

const HOST = hostname();

/** Whether a process of this host runs. */
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
