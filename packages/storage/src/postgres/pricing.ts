import type pg from 'pg';
import {
  OUTCOME_COLUMNS,
  outcomeValues,
  PRICING_SQL,
  planDefinition,
  toOutcome,
  toPlanRow,
  toSessionTotals,
} from '../pricing-rows.ts';
import type { OutcomeRow, PlanRow, PricingStore, SessionTotals } from '../pricing-store.ts';
import type { Row } from '../rows.ts';

/** `?` → `$1, $2…`, so that both dialects share the SQL text of pricing-rows.ts. */
const numbered = (sql: string): string => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};
/** pg sends bigint parameters as text, exactly. */
const params = (values: unknown[]) => values.map((v) => (typeof v === 'bigint' ? v.toString() : v));

export class PostgresPricingStore implements PricingStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all(sql: string, ...values: unknown[]): Promise<Row[]> {
    return (await this.pool.query(numbered(sql), params(values))).rows;
  }

  async createPlan(row: PlanRow): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (row.isDefault) await client.query('UPDATE price_plans SET is_default = 0 WHERE is_default = 1');
      await client.query(
        'INSERT INTO price_plans (id, name, definition, is_default, created_at) VALUES ($1, $2, $3, $4, $5)',
        [row.plan.id, row.plan.name, planDefinition(row.plan), row.isDefault ? 1 : 0, row.createdAt],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async getPlan(id: string): Promise<PlanRow | undefined> {
    const row = (await this.all('SELECT * FROM price_plans WHERE id = ?', id))[0];
    return row && toPlanRow(row);
  }

  async listPlans(afterId: string | null, limit: number): Promise<PlanRow[]> {
    const rows = await this.all(
      'SELECT * FROM price_plans WHERE id > ? ORDER BY id LIMIT ?',
      afterId ?? '',
      limit,
    );
    return rows.map(toPlanRow);
  }

  async assignPlan(customerId: string, planId: string, at: number): Promise<void> {
    await this.all(
      `INSERT INTO customer_plans (customer_id, plan_id, assigned_at) VALUES (?, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET plan_id = EXCLUDED.plan_id, assigned_at = EXCLUDED.assigned_at`,
      customerId,
      planId,
      at,
    );
  }

  async planForCustomer(customerId: string): Promise<PlanRow | undefined> {
    const row = (await this.all(PRICING_SQL.planForCustomer, customerId, customerId))[0];
    return row && toPlanRow(row);
  }

  async createOutcome(row: OutcomeRow): Promise<OutcomeRow> {
    const inserted = await this.all(
      `INSERT INTO outcomes (${OUTCOME_COLUMNS.join(', ')}) VALUES (${OUTCOME_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT DO NOTHING RETURNING id`,
      ...outcomeValues(row),
    );
    if (inserted.length === 1 || row.idempotencyKey === null) return row;
    return toOutcome((await this.all(PRICING_SQL.outcomeByKey, row.customerId, row.idempotencyKey))[0]!);
  }

  async listOutcomes(customerId: string, sessionId: string): Promise<OutcomeRow[]> {
    return (await this.all(PRICING_SQL.listOutcomes, sessionId, customerId)).map(toOutcome);
  }

  async sessionTotals(customerId: string, sessionId: string): Promise<SessionTotals> {
    return toSessionTotals((await this.all(PRICING_SQL.sessionTotals, sessionId, customerId))[0]!);
  }
}
