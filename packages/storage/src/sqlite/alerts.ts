import type Database from 'better-sqlite3';
import {
  CHANNEL_COLUMNS,
  channelValues,
  DELIVERY_COLUMNS,
  deliveryValues,
  EVENT_COLUMNS,
  eventValues,
  firingDeliveries,
  RULE_COLUMNS,
  ruleValues,
  SPEND_SCOPE_COLUMNS,
  toAttempt,
  toChannel,
  toDelivery,
  toEvent,
  toRule,
  toSpend,
} from '../alerts-rows.ts';
import type {
  AlertAttemptRow,
  AlertChannelRow,
  AlertDeliveryFilter,
  AlertDeliveryRow,
  AlertEventRow,
  AlertFiring,
  AlertRuleRow,
  AlertsStore,
  AttemptOutcome,
  SpendQuery,
  SpendRow,
} from '../alerts-store.ts';
import { big, type Row } from '../rows.ts';

const insertSql = (table: string, columns: readonly string[], conflict = '') =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${conflict}`;

/** SQLite serialises writers: each transaction here runs whole, with nothing interleaved. */
export class SqliteAlertsStore implements AlertsStore {
  constructor(private readonly db: Database.Database) {}

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }

  async createChannel(row: AlertChannelRow): Promise<'exists' | undefined> {
    const sql = insertSql('alert_channels', CHANNEL_COLUMNS, 'ON CONFLICT (id) DO NOTHING');
    return this.db.prepare(sql).run(...channelValues(row)).changes === 0 ? 'exists' : undefined;
  }

  async getChannel(id: string): Promise<AlertChannelRow | undefined> {
    const row = this.get('SELECT * FROM alert_channels WHERE id = ?', id);
    return row && toChannel(row);
  }

  async listChannels(afterId: string | null, limit: number): Promise<AlertChannelRow[]> {
    return this.all(
      'SELECT * FROM alert_channels WHERE id > ? ORDER BY id LIMIT ?',
      afterId ?? '',
      limit,
    ).map(toChannel);
  }

  async createRule(row: AlertRuleRow): Promise<'exists' | undefined> {
    const sql = insertSql('alert_rules', RULE_COLUMNS, 'ON CONFLICT (id) DO NOTHING');
    return this.db.prepare(sql).run(...ruleValues(row)).changes === 0 ? 'exists' : undefined;
  }

  async getRule(id: string): Promise<AlertRuleRow | undefined> {
    const row = this.get('SELECT * FROM alert_rules WHERE id = ?', id);
    return row && toRule(row);
  }

  async listRules(customerId: string | null, afterId: string | null, limit: number): Promise<AlertRuleRow[]> {
    return this.all(
      'SELECT * FROM alert_rules WHERE (? IS NULL OR customer_id = ?) AND id > ? ORDER BY id LIMIT ?',
      customerId,
      customerId,
      afterId ?? '',
      limit,
    ).map(toRule);
  }

  async fire(firing: AlertFiring): Promise<AlertEventRow | undefined> {
    const run = this.db.transaction((): AlertEventRow | undefined => {
      const { event } = firing;
      let periodKey = event.periodKey;
      if (periodKey === null) {
        this.db
          .prepare(
            `INSERT INTO alert_states (rule_id, subject, generation, armed, updated_at) VALUES (?, ?, 0, 1, ?)
             ON CONFLICT (rule_id, subject) DO NOTHING`,
          )
          .run(event.ruleId, event.subject, event.createdAt);
        const state = this.get(
          `UPDATE alert_states SET armed = 0, updated_at = ? WHERE rule_id = ? AND subject = ? AND armed = 1
           RETURNING generation`,
          event.createdAt,
          event.ruleId,
          event.subject,
        );
        if (!state) return undefined;
        periodKey = `crossing-${big(state.generation)}`;
      }
      const written: AlertEventRow = { ...event, periodKey };
      const sql = insertSql(
        'alert_events',
        EVENT_COLUMNS,
        'ON CONFLICT (rule_id, subject, period_key) DO NOTHING',
      );
      if (this.db.prepare(sql).run(...eventValues(written)).changes === 0) return undefined;
      const insert = this.db.prepare(insertSql('alert_deliveries', DELIVERY_COLUMNS));
      for (const delivery of firingDeliveries(written, firing)) insert.run(...deliveryValues(delivery));
      return written;
    });
    return run.immediate();
  }

  async rearm(ruleId: string, subject: string, now: number): Promise<boolean> {
    return (
      this.db
        .prepare(
          `UPDATE alert_states SET armed = 1, generation = generation + 1, updated_at = ?
           WHERE rule_id = ? AND subject = ? AND armed = 0`,
        )
        .run(now, ruleId, subject).changes === 1
    );
  }

  async listEvents(ruleId: string): Promise<AlertEventRow[]> {
    return this.all('SELECT * FROM alert_events WHERE rule_id = ? ORDER BY created_at, id', ruleId).map(
      toEvent,
    );
  }

  async addDelivery(row: AlertDeliveryRow): Promise<void> {
    this.db.prepare(insertSql('alert_deliveries', DELIVERY_COLUMNS)).run(...deliveryValues(row));
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<AlertDeliveryRow[]> {
    return this.all(
      `UPDATE alert_deliveries SET next_attempt_at = ? WHERE id IN (
         SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?)
       RETURNING *`,
      now + leaseMs,
      now,
      limit,
    ).map(toDelivery);
  }

  async recordAttempt(outcome: AttemptOutcome, now: number): Promise<boolean> {
    const run = this.db.transaction((): boolean => {
      const logged = this.db
        .prepare(
          `INSERT INTO alert_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        )
        .run(
          outcome.deliveryId,
          outcome.attempt,
          outcome.startedAt,
          outcome.durationMs,
          outcome.statusCode,
          outcome.error,
        );
      if (logged.changes === 0) return false;
      const status = outcome.delivered ? 'delivered' : outcome.nextAttemptAt === null ? 'failed' : 'pending';
      this.db
        .prepare(
          `UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?,
           last_error = ?, delivered_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
        )
        .run(
          status,
          outcome.attempt,
          outcome.nextAttemptAt ?? now,
          outcome.statusCode,
          outcome.error,
          outcome.delivered ? now : null,
          now,
          outcome.deliveryId,
        );
      return true;
    });
    return run.immediate();
  }

  async getDelivery(id: string): Promise<AlertDeliveryRow | undefined> {
    const row = this.get('SELECT * FROM alert_deliveries WHERE id = ?', id);
    return row && toDelivery(row);
  }

  async listDeliveries(filter: AlertDeliveryFilter): Promise<AlertDeliveryRow[]> {
    return this.all(
      `SELECT * FROM alert_deliveries WHERE (? IS NULL OR rule_id = ?) AND (? IS NULL OR channel_id = ?)
       AND (? IS NULL OR status = ?) AND id > ? ORDER BY id LIMIT ?`,
      filter.ruleId ?? null,
      filter.ruleId ?? null,
      filter.channelId ?? null,
      filter.channelId ?? null,
      filter.status ?? null,
      filter.status ?? null,
      filter.afterId ?? '',
      filter.limit,
    ).map(toDelivery);
  }

  async listAttempts(deliveryIds: string[]): Promise<AlertAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.all(
      `SELECT * FROM alert_attempts WHERE delivery_id IN (SELECT value FROM json_each(?))
       ORDER BY delivery_id, attempt`,
      JSON.stringify(deliveryIds),
    ).map(toAttempt);
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const column = SPEND_SCOPE_COLUMNS[query.scope];
    return this.all(
      `SELECT customer_id, ${column} AS k, CAST(SUM(price) AS BIGINT) AS price FROM usage_events
       WHERE created_at >= ? AND created_at < ? AND (? IS NULL OR customer_id = ?) AND ${column} IS NOT NULL
       GROUP BY customer_id, ${column}`,
      query.from,
      query.to,
      query.customerId,
      query.customerId,
    ).map(toSpend);
  }

  async lastGrantAmount(walletId: string): Promise<bigint | undefined> {
    const row = this.get(
      `SELECT amount FROM transactions WHERE wallet_id = ? AND type = 'grant' ORDER BY seq DESC LIMIT 1`,
      walletId,
    );
    return row && big(row.amount);
  }
}
