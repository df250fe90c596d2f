import type { UsageEvent } from '@tollgate/domain';
import type pg from 'pg';
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

const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');
/** pg sends bigint parameters as text, exactly. */
const params = (values: unknown[]) => values.map((v) => (typeof v === 'bigint' ? v.toString() : v));

export class PostgresGatewayStore implements GatewayStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all(sql: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params(values))).rows;
  }

  async createKey(key: VirtualKeyRow): Promise<void> {
    await this.all(
      `INSERT INTO virtual_keys (${KEY_COLUMNS.join(', ')}) VALUES (${placeholders(KEY_COLUMNS.length)})`,
      keyValues(key),
    );
  }

  async keyByDigest(digest: string): Promise<VirtualKeyRow | undefined> {
    const row = (await this.all('SELECT * FROM virtual_keys WHERE digest = $1', [digest]))[0];
    return row && toKey(row);
  }

  async getKey(id: string): Promise<VirtualKeyRow | undefined> {
    const row = (await this.all('SELECT * FROM virtual_keys WHERE id = $1', [id]))[0];
    return row && toKey(row);
  }

  async listKeys(customerId: string | null, afterId: string | null, limit: number): Promise<VirtualKeyRow[]> {
    return (
      await this.all(
        'SELECT * FROM virtual_keys WHERE ($1::text IS NULL OR customer_id = $1) AND id > $2 ORDER BY id LIMIT $3',
        [customerId, afterId ?? '', limit],
      )
    ).map(toKey);
  }

  async revokeKey(id: string, now: number): Promise<VirtualKeyRow | undefined> {
    const row = (
      await this.all(
        'UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING *',
        [now, id],
      )
    )[0];
    return row && toKey(row);
  }

  async upsertProvider(p: ProviderRow): Promise<void> {
    await this.all(
      `INSERT INTO providers (id, kind, base_url, api_key_ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, base_url = EXCLUDED.base_url,
       api_key_ciphertext = EXCLUDED.api_key_ciphertext, updated_at = EXCLUDED.updated_at`,
      [p.id, p.kind, p.baseUrl, p.apiKeyCiphertext, p.createdAt, p.updatedAt],
    );
  }

  async listProviders(): Promise<ProviderRow[]> {
    return (await this.all('SELECT * FROM providers ORDER BY id')).map(toProvider);
  }

  async deleteProvider(id: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM providers WHERE id = $1', [id])).rowCount === 1;
  }

  async addRateCard(card: RateCardRow): Promise<void> {
    await this.all(
      `INSERT INTO rate_cards (${RATE_CARD_COLUMNS.join(', ')}) VALUES (${placeholders(RATE_CARD_COLUMNS.length)})`,
      rateCardValues(card),
    );
  }

  async listRateCards(): Promise<RateCardRow[]> {
    return (await this.all('SELECT * FROM rate_cards ORDER BY provider, model, effective_from')).map(
      toRateCard,
    );
  }

  async rateCardsVersion(): Promise<string> {
    const row = (
      await this.all('SELECT COUNT(*) AS n, COALESCE(MAX(created_at), 0) AS at FROM rate_cards')
    )[0]!;
    return `${row.n}:${row.at}`;
  }

  async walletFor(
    customerId: string,
    teamId: string | null,
    unit: string,
  ): Promise<{ id: string; unit: string } | undefined> {
    const row = (
      await this.all(
        `SELECT id, unit FROM wallets WHERE customer_id = $1 AND unit = $2 AND (team_id IS NULL OR team_id = $3)
         ORDER BY team_id IS NULL, created_at, id LIMIT 1`,
        [customerId, unit, teamId],
      )
    )[0];
    return row && { id: String(row.id), unit: String(row.unit) };
  }

  async openLeases(owners: readonly string[]): Promise<string[]> {
    const rows = await this.all("SELECT id FROM holds WHERE status = 'open' AND metadata = ANY($1)", [
      owners.map((owner) => JSON.stringify(leaseMetadata(owner))),
    ]);
    return rows.map((row) => String(row.id));
  }

  async existingUsageEvents(ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.all('SELECT id FROM usage_events WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((row) => String(row.id)));
  }

  async listUsageEvents(filter: UsageEventFilter): Promise<{ data: UsageEvent[]; nextSeq: bigint | null }> {
    const rows = await this.all(
      `SELECT * FROM usage_events WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR request_id = $2)
       AND ($3::text IS NULL OR session_id = $3) AND seq > $4 ORDER BY seq LIMIT $5`,
      [
        filter.customerId ?? null,
        filter.requestId ?? null,
        filter.sessionId ?? null,
        filter.afterSeq ?? 0n,
        filter.limit + 1,
      ],
    );
    const page = rows.slice(0, filter.limit);
    return {
      data: page.map(toUsageEvent),
      nextSeq: rows.length > filter.limit ? big(page.at(-1)!.seq) : null,
    };
  }
}
