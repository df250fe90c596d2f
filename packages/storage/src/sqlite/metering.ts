import type Database from 'better-sqlite3';
import { USAGE_EVENT_COLUMNS, usageEventValues } from '../gateway-store.ts';
import { sqliteRollupUpserts } from '../metering/rollups.ts';
import type { Statement } from '../metering/usage-plan.ts';
import type { MeteredEvent, MeteringDriver } from '../metering-store.ts';
import type { Row } from '../rows.ts';

const COLUMNS = [...USAGE_EVENT_COLUMNS, 'cache_savings'];
const ROW_MARKS = `(${COLUMNS.map(() => '?').join(', ')})`;
/** Rows per INSERT statement: 500 × 32 parameters stays below SQLite's 32,766. */
const STATEMENT_EVENTS_MAX = 500;

/** SQLite: statements are synchronous; a bulk insert is one multi-row INSERT in one transaction. */
export class SqliteMeteringDriver implements MeteringDriver {
  readonly dialect = 'sqlite' as const;
  private readonly inserts = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  async all({ sql, params }: Statement): Promise<Row[]> {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private insert(count: number): Database.Statement {
    let insert = this.inserts.get(count);
    if (!insert) {
      const marks = Array.from({ length: count }, () => ROW_MARKS).join(', ');
      insert = this.db.prepare(`INSERT INTO usage_events (${COLUMNS.join(', ')}) VALUES ${marks}`);
      this.inserts.set(count, insert);
    }
    return insert;
  }

  async insertUsageEvents(events: readonly MeteredEvent[]): Promise<void> {
    // One transaction for the whole call: one WAL commit, and all or nothing.
    this.db
      .transaction(() => {
        if (events.length === 0) return;
        const { next } = this.db
          .prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM usage_events')
          .get() as {
          next: bigint | number;
        };
        let last = 0n;
        for (let i = 0; i < events.length; i += STATEMENT_EVENTS_MAX) {
          const slice = events.slice(i, i + STATEMENT_EVENTS_MAX);
          last = BigInt(
            this.insert(slice.length).run(
              ...slice.flatMap((e) => [...usageEventValues(e), e.cacheSavings ?? 0n]),
            ).lastInsertRowid,
          );
        }
        // The rollups, once per rollup for the whole insert (see metering/rollups.ts).
        for (const sql of sqliteRollupUpserts()) this.db.prepare(sql).run(BigInt(next), last);
      })
      .immediate();
  }
}
