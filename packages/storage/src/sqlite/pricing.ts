import type Database from 'better-sqlite3';
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

export class SqlitePricingStore implements PricingStore {
  constructor(private readonly db: Database.Database) {}

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  async createPlan(row: PlanRow): Promise<void> {
    this.db.transaction(() => {
      if (row.isDefault) this.db.prepare('UPDATE price_plans SET is_default = 0 WHERE is_default = 1').run();
      this.db
        .prepare(
          'INSERT INTO price_plans (id, name, definition, is_default, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(row.plan.id, row.plan.name, planDefinition(row.plan), row.isDefault ? 1 : 0, row.createdAt);
    })();
  }

  async getPlan(id: string): Promise<PlanRow | undefined> {
    const row = this.all('SELECT * FROM price_plans WHERE id = ?', id)[0];
    return row && toPlanRow(row);
  }

  async listPlans(afterId: string | null, limit: number): Promise<PlanRow[]> {
    return this.all('SELECT * FROM price_plans WHERE id > ? ORDER BY id LIMIT ?', afterId ?? '', limit).map(
      toPlanRow,
    );
  }

  async assignPlan(customerId: string, planId: string, at: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO customer_plans (customer_id, plan_id, assigned_at) VALUES (?, ?, ?)
         ON CONFLICT (customer_id) DO UPDATE SET plan_id = excluded.plan_id, assigned_at = excluded.assigned_at`,
      )
      .run(customerId, planId, at);
  }

  async planForCustomer(customerId: string): Promise<PlanRow | undefined> {
    const row = this.all(PRICING_SQL.planForCustomer, customerId, customerId)[0];
    return row && toPlanRow(row);
  }

  async createOutcome(row: OutcomeRow): Promise<OutcomeRow> {
    const inserted = this.db
      .prepare(
        `INSERT INTO outcomes (${OUTCOME_COLUMNS.join(', ')}) VALUES (${OUTCOME_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT DO NOTHING`,
      )
      .run(...outcomeValues(row));
    if (inserted.changes === 1 || row.idempotencyKey === null) return row;
    return toOutcome(this.all(PRICING_SQL.outcomeByKey, row.customerId, row.idempotencyKey)[0]!);
  }

  async listOutcomes(customerId: string, sessionId: string): Promise<OutcomeRow[]> {
    return this.all(PRICING_SQL.listOutcomes, sessionId, customerId).map(toOutcome);
  }

  async sessionTotals(customerId: string, sessionId: string): Promise<SessionTotals> {
    return toSessionTotals(this.all(PRICING_SQL.sessionTotals, sessionId, customerId)[0]!);
  }
}
