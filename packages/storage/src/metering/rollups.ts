import type { Dialect } from '../store.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Sum columns of every rollup, in the order the rollups and the raw query select them. */
export const SUM_COLUMNS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_creation_input_tokens',
  'reasoning_tokens',
  'cost',
  'price',
  'cache_hits',
  'cache_savings',
  'estimated_requests',
] as const;

/** What each sum adds per usage event (`e` is the event row). */
export const EVENT_SUMS: Record<(typeof SUM_COLUMNS)[number], string> = {
  requests: '1',
  input_tokens: 'e.input_tokens',
  output_tokens: 'e.output_tokens',
  cached_input_tokens: 'e.cached_input_tokens',
  cache_creation_input_tokens: 'e.cache_creation_input_tokens',
  reasoning_tokens: 'e.reasoning_tokens',
  cost: 'e.cost',
  price: 'e.price',
  cache_hits: "CASE WHEN e.cache_status <> 'miss' THEN 1 ELSE 0 END",
  cache_savings: 'e.cache_savings',
  estimated_requests: 'e.estimated',
};

export interface Rollup {
  table: string;
  grainMs: number;
  /** usage_events columns kept as the key (besides the bucket and the wallet unit). */
  columns: readonly string[];
}

/**
 * Exact pre-aggregates of usage_events, kept by triggers in the writer's own transaction (so the
 * ledger's batch writer, the bulk insert and any future writer keep them equal to the raw sums).
 * Each drops the dimensions that would stop it compressing: per hour, a feature table (tens of
 * keys), a model table, their product, and "who" (customer, team, user: one per active user);
 * per UTC day, "who" shrinks 24-fold for ranges of whole days. A query reads the smallest
 * rollup that holds its columns. NULL is stored as '' so keys can be unique.
 * Frozen: migration 6 is built from this list; a change is a new migration.
 */
export const ROLLUPS: readonly Rollup[] = [
  { table: 'usage_rollup_feature_hour', grainMs: HOUR_MS, columns: ['feature'] },
  { table: 'usage_rollup_model_hour', grainMs: HOUR_MS, columns: ['provider', 'model', 'value_unit'] },
  {
    table: 'usage_rollup_what_hour',
    grainMs: HOUR_MS,
    columns: ['feature', 'provider', 'model', 'value_unit'],
  },
  { table: 'usage_rollup_who_hour', grainMs: HOUR_MS, columns: ['customer_id', 'team_id', 'user_id'] },
  { table: 'usage_rollup_who_day', grainMs: DAY_MS, columns: ['customer_id', 'team_id', 'user_id'] },
];

const keyColumns = (r: Rollup) => ['bucket', 'unit', ...r.columns];

function createTable(r: Rollup, dialect: Dialect): string {
  const keys = keyColumns(r).map((c) => (c === 'bucket' ? 'bucket BIGINT NOT NULL' : `${c} TEXT NOT NULL`));
  const sums = SUM_COLUMNS.map((c) => `${c} BIGINT NOT NULL`);
  return `CREATE TABLE ${r.table} (\n  ${[...keys, ...sums].join(',\n  ')},\n  PRIMARY KEY (${keyColumns(r).join(', ')})\n)${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''};`;
}

/** The key expressions of an event row `e` (alias given) for a rollup. */
function keyValues(r: Rollup, e: string): string[] {
  return [
    `${e}.created_at - ${e}.created_at % ${r.grainMs}`,
    `${e}.unit`,
    ...r.columns.map((c) => `COALESCE(${e}.${c}, '')`),
  ];
}

function sumValues(e: string, sign: '' | '-'): string[] {
  return SUM_COLUMNS.map((c) => `${sign}${EVENT_SUMS[c].replaceAll('e.', `${e}.`)}`);
}

const upsertTail = (r: Rollup) =>
  `ON CONFLICT (${keyColumns(r).join(', ')}) DO UPDATE SET ${SUM_COLUMNS.map((c) => `${c} = ${r.table}.${c} + excluded.${c}`).join(', ')}`;

/** SQLite: a row trigger per change; an upsert per event is a few microseconds. */
function sqliteTriggers(r: Rollup): string {
  const columns = [...keyColumns(r), ...SUM_COLUMNS].join(', ');
  const add = (e: 'NEW' | 'OLD', sign: '' | '-') =>
    `INSERT INTO ${r.table} (${columns}) SELECT ${[...keyValues(r, e), ...sumValues(e, sign)].join(', ')} WHERE true ${upsertTail(r)};`;
  return `
CREATE TRIGGER ${r.table}_insert AFTER INSERT ON usage_events BEGIN ${add('NEW', '')} END;
CREATE TRIGGER ${r.table}_delete AFTER DELETE ON usage_events BEGIN ${add('OLD', '-')} END;
CREATE TRIGGER ${r.table}_update AFTER UPDATE ON usage_events BEGIN ${add('OLD', '-')} ${add('NEW', '')} END;`;
}

/**
 * PostgreSQL: one statement-level trigger per change, reading the transition tables, so a batch
 * insert costs one grouped upsert. Keys are upserted in key order so that two writers touching
 * the same rollup rows lock them in the same order (no deadlock between them).
 */
function postgresTriggers(r: Rollup): string {
  const columns = [...keyColumns(r), ...SUM_COLUMNS].join(', ');
  const keys = keyValues(r, 'e');
  const from = (table: string, sign: '' | '-') =>
    `SELECT ${keys.map((k, i) => `${k} AS k${i}`).join(', ')}, ${SUM_COLUMNS.map((c) => `SUM(${sign}${EVENT_SUMS[c]})`).join(', ')} FROM ${table} e GROUP BY ${keys.map((_, i) => `k${i}`).join(', ')}`;
  const upsert = (source: string) =>
    `INSERT INTO ${r.table} (${columns}) SELECT * FROM (${source}) s ORDER BY ${keys.map((_, i) => `k${i}`).join(', ')} ${upsertTail(r)};`;
  const fn = (name: string, body: string) =>
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$;`;
  return `
${fn(`${r.table}_insert`, upsert(from('new_rows', '')))}
${fn(`${r.table}_delete`, upsert(from('old_rows', '-')))}
${fn(`${r.table}_update`, `${upsert(from('old_rows', '-'))} ${upsert(from('new_rows', ''))}`)}
CREATE TRIGGER ${r.table}_insert AFTER INSERT ON usage_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${r.table}_insert();
CREATE TRIGGER ${r.table}_delete AFTER DELETE ON usage_events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${r.table}_delete();
CREATE TRIGGER ${r.table}_update AFTER UPDATE ON usage_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${r.table}_update();`;
}

/** A rollup's keys and sums over the events (those `where` keeps), as a SELECT in column order. */
function groupedEvents(r: Rollup, where = ''): string {
  const keys = keyValues(r, 'e');
  return `SELECT ${keys.join(', ')}, ${SUM_COLUMNS.map((c) => `SUM(${EVENT_SUMS[c]})`).join(', ')} FROM usage_events e${where} GROUP BY ${keys.join(', ')}`;
}

const insertInto = (r: Rollup) => `INSERT INTO ${r.table} (${[...keyColumns(r), ...SUM_COLUMNS].join(', ')})`;

function backfill(r: Rollup): string {
  return `${insertInto(r)} ${groupedEvents(r)};`;
}

/**
 * Migration 6: the cache savings column, a time index for raw range scans, the rollup tables
 * filled from the events already stored, and the triggers that keep them exact from then on.
 */
export function usageRollupsMigrationSql(dialect: Dialect): string {
  const triggers = dialect === 'postgres' ? postgresTriggers : sqliteTriggers;
  return [
    'ALTER TABLE usage_events ADD COLUMN cache_savings BIGINT NOT NULL DEFAULT 0;',
    'CREATE INDEX usage_events_created ON usage_events (created_at);',
    ...ROLLUPS.flatMap((r) => [createTable(r, dialect), backfill(r), triggers(r)]),
  ].join('\n');
}

/**
 * SQLite, since migration 14: the rollups of the events a transaction inserted, as one grouped
 * upsert per rollup (parameters: the first and last `seq` inserted). The writer runs them in its
 * own transaction, so a batch of N events for the same keys costs 5 upserts, not 5 × N.
 */
export function sqliteRollupUpserts(): string[] {
  return ROLLUPS.map(
    (r) => `${insertInto(r)} ${groupedEvents(r, ' WHERE e.seq BETWEEN ? AND ?')} ${upsertTail(r)};`,
  );
}

/** Migration 14: SQLite's per-row insert triggers give way to the writers' grouped upserts. */
export function batchedRollupsMigrationSql(dialect: Dialect): string {
  // PostgreSQL's triggers are per statement already: one grouped upsert per batch.
  if (dialect === 'postgres') return 'SELECT 1;';
  return ROLLUPS.map((r) => `DROP TRIGGER ${r.table}_insert;`).join('\n');
}

/** A rollup's rows computed from the raw events, then as stored: the same columns, in key order. */
export function rollupCheckSql(r: Rollup): { raw: string; stored: string } {
  const order = ` ORDER BY ${keyColumns(r)
    .map((_, i) => i + 1)
    .join(', ')}`;
  return {
    raw: groupedEvents(r) + order,
    stored: `SELECT ${[...keyColumns(r), ...SUM_COLUMNS].join(', ')} FROM ${r.table}${order}`,
  };
}
