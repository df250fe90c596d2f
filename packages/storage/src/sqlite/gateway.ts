import type { UsageEvent } from '@tollgate/domain';
import type Database from 'better-sqlite3';
import {
  KEY_COLUMNS,
  keyValues,
  RATE_CARD_COLUMNS,
  rateCardValues,
  toKey,
  toProvider,
  toRateCard,
  toUsageEvent,
} from '../gateway-rows.ts';
import {
  type GatewayStore,
  leaseMetadata,
  type ProviderRow,
  type RateCardRow,
  type UsageEventFilter,
  type VirtualKeyRow,
} from '../gateway-store.ts';
import { big, type Row } from '../rows.ts';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class SqliteGatewayStore implements GatewayStore {
  constructor(private readonly db: Database.Database) {}

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }

  async createKey(key: VirtualKeyRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO virtual_keys (${KEY_COLUMNS.join(', ')}) VALUES (${placeholders(KEY_COLUMNS.length)})`,
      )
      .run(...keyValues(key));
  }

  async keyByDigest(digest: string): Promise<VirtualKeyRow | undefined> {
    const row = this.get('SELECT * FROM virtual_keys WHERE digest = ?', digest);
    return row && toKey(row);
  }

  async getKey(id: string): Promise<VirtualKeyRow | undefined> {
    const row = this.get('SELECT * FROM virtual_keys WHERE id = ?', id);
    return row && toKey(row);
  }

  async listKeys(customerId: string | null, afterId: string | null, limit: number): Promise<VirtualKeyRow[]> {
    return this.all(
      'SELECT * FROM virtual_keys WHERE (? IS NULL OR customer_id = ?) AND id > ? ORDER BY id LIMIT ?',
      customerId,
      customerId,
      afterId ?? '',
      limit,
    ).map(toKey);
  }

  async revokeKey(id: string, now: number): Promise<VirtualKeyRow | undefined> {
    this.db.prepare('UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(now, id);
    return this.getKey(id);
  }

  async upsertProvider(p: ProviderRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO providers (id, kind, base_url, api_key_ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url,
         api_key_ciphertext = excluded.api_key_ciphertext, updated_at = excluded.updated_at`,
      )
      .run(p.id, p.kind, p.baseUrl, p.apiKeyCiphertext, p.createdAt, p.updatedAt);
  }

  async listProviders(): Promise<ProviderRow[]> {
    return this.all('SELECT * FROM providers ORDER BY id').map(toProvider);
  }

  async deleteProvider(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM providers WHERE id = ?').run(id).changes === 1;
  }

  async addRateCard(card: RateCardRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO rate_cards (${RATE_CARD_COLUMNS.join(', ')}) VALUES (${placeholders(RATE_CARD_COLUMNS.length)})`,
      )
      .run(...rateCardValues(card));
  }

  async listRateCards(): Promise<RateCardRow[]> {
    return this.all('SELECT * FROM rate_cards ORDER BY provider, model, effective_from').map(toRateCard);
  }

  async rateCardsVersion(): Promise<string> {
    const row = this.get('SELECT COUNT(*) AS n, COALESCE(MAX(created_at), 0) AS at FROM rate_cards')!;
    return `${row.n}:${row.at}`;
  }

  async walletFor(
    customerId: string,
    teamId: string | null,
    unit: string,
  ): Promise<{ id: string; unit: string } | undefined> {
    const row = this.get(
      `SELECT id, unit FROM wallets WHERE customer_id = ? AND unit = ? AND (team_id IS NULL OR team_id = ?)
       ORDER BY team_id IS NULL, created_at, id LIMIT 1`,
      customerId,
      unit,
      teamId,
    );
    return row && { id: String(row.id), unit: String(row.unit) };
  }

  async openLeases(owners: readonly string[]): Promise<string[]> {
    const rows = this.all(
      "SELECT id FROM holds WHERE status = 'open' AND metadata IN (SELECT value FROM json_each(?))",
      JSON.stringify(owners.map((owner) => JSON.stringify(leaseMetadata(owner)))),
    );
    return rows.map((row) => String(row.id));
  }

  async existingUsageEvents(ids: readonly string[]): Promise<Set<string>> {
    const rows = this.all(
      'SELECT id FROM usage_events WHERE id IN (SELECT value FROM json_each(?))',
      JSON.stringify(ids),
    );
    return new Set(rows.map((row) => String(row.id)));
  }

  async listUsageEvents(filter: UsageEventFilter): Promise<{ data: UsageEvent[]; nextSeq: bigint | null }> {
    const rows = this.all(
      `SELECT * FROM usage_events WHERE (? IS NULL OR customer_id = ?) AND (? IS NULL OR request_id = ?)
       AND (? IS NULL OR session_id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
      filter.customerId ?? null,
      filter.customerId ?? null,
      filter.requestId ?? null,
      filter.requestId ?? null,
      filter.sessionId ?? null,
      filter.sessionId ?? null,
      filter.afterSeq ?? 0n,
      filter.limit + 1,
    );
    const page = rows.slice(0, filter.limit);
    return {
      data: page.map(toUsageEvent),
      nextSeq: rows.length > filter.limit ? big(page.at(-1)!.seq) : null,
    };
  }
}
