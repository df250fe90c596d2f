import type pg from 'pg';
import { USAGE_EVENT_COLUMNS, usageEventValues } from '../gateway-store.ts';
import type { Statement } from '../metering/usage-plan.ts';
import type { MeteredEvent, MeteringDriver } from '../metering-store.ts';
import type { Row } from '../rows.ts';

const COLUMNS = [...USAGE_EVENT_COLUMNS, 'cache_savings'];
const BIGINT_COLUMN = /_tokens$|^cost$|^price$|^latency_ms$|^created_at$|^cache_savings$/;
const RECORD_TYPES = COLUMNS.map(
  (c) => `${c} ${BIGINT_COLUMN.test(c) ? 'bigint' : c === 'estimated' ? 'integer' : 'text'}`,
).join(', ');

/** One statement per batch whatever its size: rows travel as one JSON parameter. */
const INSERT_SQL = `INSERT INTO usage_events (${COLUMNS.join(', ')})
SELECT ${COLUMNS.join(', ')} FROM json_to_recordset($1::json) AS t(${RECORD_TYPES})`;

/** pg sends bigint parameters as text, exactly. */
const param = (v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export class PostgresMeteringDriver implements MeteringDriver {
  readonly dialect = 'postgres' as const;

  constructor(private readonly pool: pg.Pool) {}

  async all({ sql, params }: Statement): Promise<Row[]> {
    return (await this.pool.query(sql, params.map(param))).rows;
  }

  async insertUsageEvents(events: readonly MeteredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => {
      const values = [...usageEventValues(e), e.cacheSavings ?? 0n];
      const record: Record<string, unknown> = {};
      COLUMNS.forEach((c, i) => {
        record[c] = param(values[i]);
      });
      return record;
    });
    await this.pool.query(INSERT_SQL, [JSON.stringify(rows)]);
  }
}
