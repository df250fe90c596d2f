import type pg from 'pg';
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
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ${conflict}`;
/** pg sends bigint parameters as text, exactly. */
const params = (values: unknown[]) => values.map((v) => (typeof v === 'bigint' ? v.toString() : v));

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * READ COMMITTED is enough for exactly-once firing: a concurrent UPDATE of the same alert state
 * waits for the first to commit and then re-checks `armed`, and INSERT … ON CONFLICT DO NOTHING
 * waits for a conflicting insert's outcome, so two racing firings write one event.
 */
export class PostgresAlertsStore implements AlertsStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all(sql: string, values: unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    return (await on.query(sql, params(values))).rows;
  }

  private async count(sql: string, values: unknown[], on: Queryable = this.pool): Promise<number> {
    return (await on.query(sql, params(values))).rowCount ?? 0;
  }

  private async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async createChannel(row: AlertChannelRow): Promise<'exists' | undefined> {
    const sql = insertSql('alert_channels', CHANNEL_COLUMNS, 'ON CONFLICT (id) DO NOTHING');
    return (await this.count(sql, channelValues(row))) === 0 ? 'exists' : undefined;
  }

  async getChannel(id: string): Promise<AlertChannelRow | undefined> {
    const row = (await this.all('SELECT * FROM alert_channels WHERE id = $1', [id]))[0];
    return row && toChannel(row);
  }

  async listChannels(afterId: string | null, limit: number): Promise<AlertChannelRow[]> {
    return (
      await this.all('SELECT * FROM alert_channels WHERE id > $1 ORDER BY id LIMIT $2', [
        afterId ?? '',
        limit,
      ])
    ).map(toChannel);
  }

  async createRule(row: AlertRuleRow): Promise<'exists' | undefined> {
    const sql = insertSql('alert_rules', RULE_COLUMNS, 'ON CONFLICT (id) DO NOTHING');
    return (await this.count(sql, ruleValues(row))) === 0 ? 'exists' : undefined;
  }

  async getRule(id: string): Promise<AlertRuleRow | undefined> {
    const row = (await this.all('SELECT * FROM alert_rules WHERE id = $1', [id]))[0];
    return row && toRule(row);
  }

  async listRules(customerId: string | null, afterId: string | null, limit: number): Promise<AlertRuleRow[]> {
    return (
      await this.all(
        'SELECT * FROM alert_rules WHERE ($1::text IS NULL OR customer_id = $1) AND id > $2 ORDER BY id LIMIT $3',
        [customerId, afterId ?? '', limit],
      )
    ).map(toRule);
  }

  async fire(firing: AlertFiring): Promise<AlertEventRow | undefined> {
    return this.transaction(async (client) => {
      const { event } = firing;
      let periodKey = event.periodKey;
      if (periodKey === null) {
        await client.query(
          `INSERT INTO alert_states (rule_id, subject, generation, armed, updated_at) VALUES ($1, $2, 0, 1, $3)
           ON CONFLICT (rule_id, subject) DO NOTHING`,
          [event.ruleId, event.subject, event.createdAt],
        );
        const state = (
          await this.all(
            `UPDATE alert_states SET armed = 0, updated_at = $1 WHERE rule_id = $2 AND subject = $3 AND armed = 1
             RETURNING generation`,
            [event.createdAt, event.ruleId, event.subject],
            client,
          )
        )[0];
        if (!state) return undefined;
        periodKey = `crossing-${big(state.generation)}`;
      }
      const written: AlertEventRow = { ...event, periodKey };
      const sql = insertSql(
        'alert_events',
        EVENT_COLUMNS,
        'ON CONFLICT (rule_id, subject, period_key) DO NOTHING',
      );
      if ((await this.count(sql, eventValues(written), client)) === 0) return undefined;
      for (const delivery of firingDeliveries(written, firing)) {
        await client.query(insertSql('alert_deliveries', DELIVERY_COLUMNS), params(deliveryValues(delivery)));
      }
      return written;
    });
  }

  async rearm(ruleId: string, subject: string, now: number): Promise<boolean> {
    const changed = await this.count(
      `UPDATE alert_states SET armed = 1, generation = generation + 1, updated_at = $1
       WHERE rule_id = $2 AND subject = $3 AND armed = 0`,
      [now, ruleId, subject],
    );
    return changed === 1;
  }

  async listEvents(ruleId: string): Promise<AlertEventRow[]> {
    return (
      await this.all('SELECT * FROM alert_events WHERE rule_id = $1 ORDER BY created_at, id', [ruleId])
    ).map(toEvent);
  }

  async addDelivery(row: AlertDeliveryRow): Promise<void> {
    await this.all(insertSql('alert_deliveries', DELIVERY_COLUMNS), deliveryValues(row));
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<AlertDeliveryRow[]> {
    // SKIP LOCKED: workers of several instances each take different deliveries without waiting.
    return (
      await this.all(
        `UPDATE alert_deliveries SET next_attempt_at = $1 WHERE id IN (
           SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $2
           ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now + leaseMs, now, limit],
      )
    ).map(toDelivery);
  }

  async recordAttempt(outcome: AttemptOutcome, now: number): Promise<boolean> {
    return this.transaction(async (client) => {
      const logged = await this.count(
        `INSERT INTO alert_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [
          outcome.deliveryId,
          outcome.attempt,
          outcome.startedAt,
          outcome.durationMs,
          outcome.statusCode,
          outcome.error,
        ],
        client,
      );
      if (logged === 0) return false;
      const status = outcome.delivered ? 'delivered' : outcome.nextAttemptAt === null ? 'failed' : 'pending';
      await client.query(
        `UPDATE alert_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status_code = $4,
         last_error = $5, delivered_at = $6, updated_at = $7 WHERE id = $8 AND status = 'pending'`,
        [
          status,
          outcome.attempt,
          outcome.nextAttemptAt ?? now,
          outcome.statusCode,
          outcome.error,
          outcome.delivered ? now : null,
          now,
          outcome.deliveryId,
        ],
      );
      return true;
    });
  }

  async getDelivery(id: string): Promise<AlertDeliveryRow | undefined> {
    const row = (await this.all('SELECT * FROM alert_deliveries WHERE id = $1', [id]))[0];
    return row && toDelivery(row);
  }

  async listDeliveries(filter: AlertDeliveryFilter): Promise<AlertDeliveryRow[]> {
    return (
      await this.all(
        `SELECT * FROM alert_deliveries WHERE ($1::text IS NULL OR rule_id = $1) AND ($2::text IS NULL OR channel_id = $2)
         AND ($3::text IS NULL OR status = $3) AND id > $4 ORDER BY id LIMIT $5`,
        [
          filter.ruleId ?? null,
          filter.channelId ?? null,
          filter.status ?? null,
          filter.afterId ?? '',
          filter.limit,
        ],
      )
    ).map(toDelivery);
  }

  async listAttempts(deliveryIds: string[]): Promise<AlertAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return (
      await this.all(
        'SELECT * FROM alert_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, attempt',
        [deliveryIds],
      )
    ).map(toAttempt);
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    const column = SPEND_SCOPE_COLUMNS[query.scope];
    return (
      await this.all(
        `SELECT customer_id, ${column} AS k, CAST(SUM(price) AS BIGINT) AS price FROM usage_events
         WHERE created_at >= $1 AND created_at < $2 AND ($3::text IS NULL OR customer_id = $3) AND ${column} IS NOT NULL
         GROUP BY customer_id, ${column}`,
        [query.from, query.to, query.customerId],
      )
    ).map(toSpend);
  }

  async lastGrantAmount(walletId: string): Promise<bigint | undefined> {
    const row = (
      await this.all(
        `SELECT amount FROM transactions WHERE wallet_id = $1 AND type = 'grant' ORDER BY seq DESC LIMIT 1`,
        [walletId],
      )
    )[0];
    return row && big(row.amount);
  }
}
