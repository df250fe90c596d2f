import {
  bucketStarts,
  foldUsage,
  type Micros,
  type UsageEvent,
  type UsageQuery,
  type UsageResult,
} from '@tollgate/domain';
import {
  type OutcomeMarginQuery,
  type OutcomeMarginRow,
  outcomeMarginStatements,
} from './metering/outcome-margin.ts';
import { planUsage, type Statement, toSlice } from './metering/usage-plan.ts';
import { PostgresMeteringDriver } from './postgres/metering.ts';
import { PostgresStore } from './postgres/store.ts';
import type { Row } from './rows.ts';
import { big } from './rows.ts';
import { SqliteMeteringDriver } from './sqlite/metering.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Dialect, Store } from './store.ts';

export type { OutcomeMarginQuery, OutcomeMarginRow } from './metering/outcome-margin.ts';
export { ROLLUPS } from './metering/rollups.ts';
export { planUsage, TAG_KEY } from './metering/usage-plan.ts';

/** A usage event as bulk-imported: `cacheSavings` is the upstream cost a cache hit avoided. */
export type MeteredEvent = UsageEvent & { cacheSavings?: Micros };

/**
 * Usage queries (totals and time series in the caller's time zone, grouped by any dimension or
 * tag), the outcome margin report, and bulk ingest. Rollups are maintained by database triggers,
 * so they stay exact whoever writes the events.
 */
export interface MeteringStore {
  query(query: UsageQuery): Promise<UsageResult>;
  /** Which tables answer a query (a rollup or usage_events): for tests and the benchmark. */
  source(query: UsageQuery): string;
  /** All in one transaction: the events and their rollups, or nothing. */
  insertUsageEvents(events: readonly MeteredEvent[]): Promise<void>;
  outcomeMargin(query: OutcomeMarginQuery): Promise<OutcomeMarginRow[]>;
}

/** Runs statements on one store: the dialect-specific part of a MeteringStore. */
export interface MeteringDriver {
  readonly dialect: Dialect;
  all(statement: Statement): Promise<Row[]>;
  insertUsageEvents(events: readonly MeteredEvent[]): Promise<void>;
}

/** A MeteringStore over a driver: planning and folding are the same on both stores. */
export class SqlMeteringStore implements MeteringStore {
  constructor(private readonly driver: MeteringDriver) {}

  private starts(query: UsageQuery): number[] | null {
    if (query.granularity === null) return null;
    const starts = bucketStarts(query.fromMs, query.toMs, query.granularity, query.timeZone);
    if (!starts) throw new RangeError('too many buckets');
    return starts;
  }

  source(query: UsageQuery): string {
    return planUsage(this.driver.dialect, query, this.starts(query)).source;
  }

  async query(query: UsageQuery): Promise<UsageResult> {
    const starts = this.starts(query);
    const plan = planUsage(this.driver.dialect, query, starts);
    const parts = await Promise.all(plan.statements.map((s) => this.driver.all(s)));
    const slices = parts.flat().map((row) => toSlice(row, query.groupBy.length));
    return foldUsage(query, starts, slices);
  }

  async insertUsageEvents(events: readonly MeteredEvent[]): Promise<void> {
    await this.driver.insertUsageEvents(events);
  }

  async outcomeMargin(query: OutcomeMarginQuery): Promise<OutcomeMarginRow[]> {
    const [counts, ...spent] = await Promise.all(
      outcomeMarginStatements(this.driver.dialect, query).map((s) => this.driver.all(s)),
    );
    const rows = new Map<string, OutcomeMarginRow>();
    for (const r of counts!) {
      const type = String(r.type);
      rows.set(type, {
        type,
        outcomes: big(r.outcomes),
        outcomePrice: big(r.outcome_price ?? 0),
        moneyUnit: null,
        requests: 0n,
        cost: 0n,
        price: 0n,
      });
    }
    for (const r of spent.flat()) {
      const row = rows.get(String(r.type));
      if (!row) continue;
      row.moneyUnit ??= String(r.unit);
      row.requests += big(r.requests);
      row.cost += big(r.cost ?? 0);
      row.price += big(r.price ?? 0);
    }
    return [...rows.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }
}

/**
 * The metering queries of a store, on the store's own connection.
 *
 * @example
 * const metering = meteringStore(openStore('sqlite::memory:'));
 */
export function meteringStore(store: Store): MeteringStore {
  if (store instanceof SqliteStore) return new SqlMeteringStore(new SqliteMeteringDriver(store.db));
  if (store instanceof PostgresStore) return new SqlMeteringStore(new PostgresMeteringDriver(store.pool));
  throw new Error(`no metering store for ${store.dialect}`);
}
