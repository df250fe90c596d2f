import { adminRoutes, type PROVIDER_KINDS, type RouteInput, type RouteResponse } from '@tollgate/contract';
import type { ProviderKind } from '@tollgate/providers';
import type { ProviderRow } from '@tollgate/storage';
import type { Hono } from 'hono';
import { ApiError } from '../errors.ts';
import type { ProviderConfig } from '../gateway/catalog.ts';
import { bindRoute } from '../http/bind-route.ts';
import { instantJson } from '../http/json-values.ts';
import { type AdminDeps, gatewayData } from './deps.ts';
import { listJson } from './views.ts';

export type ProviderJson = RouteResponse<typeof adminRoutes.createProvider>;
type CreateProviderBody = RouteInput<typeof adminRoutes.createProvider>['body'];

// The contract's kinds and the adapters' must be the same set: this fails to compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _kindsMatch: Same<(typeof PROVIDER_KINDS)[number], ProviderKind> = true;

function storedJson(row: ProviderRow): ProviderJson {
  return {
    id: row.id,
    object: 'provider',
    kind: row.kind as ProviderKind,
    base_url: row.baseUrl,
    has_api_key: row.apiKeyCiphertext !== null,
    source: 'api',
    created_at: instantJson(row.createdAt),
    updated_at: instantJson(row.updatedAt),
  };
}

/** A provider the running gateway has from the environment or the config file. */
function configuredJson(config: ProviderConfig): ProviderJson {
  return {
    id: config.id,
    object: 'provider',
    kind: config.kind,
    base_url: config.baseUrl,
    has_api_key: config.apiKey !== '',
    source: 'builtin',
    created_at: null,
    updated_at: null,
  };
}

/**
 * The gateway's providers (built-ins and config file), each replaced by a stored one of its id.
 * The store is read directly so that a change made on another instance shows at once. A process
 * that serves no gateway has no built-ins to show: only the stored providers.
 */
async function listProviders(deps: AdminDeps): Promise<ProviderJson[]> {
  const byId = new Map<string, ProviderJson>();
  for (const config of deps.gateway?.providers.map().values() ?? []) {
    byId.set(config.id, configuredJson(config));
  }
  const stored = await gatewayData(deps.store).listProviders();
  for (const row of stored) byId.set(row.id, storedJson(row));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sealApiKey(deps: AdminDeps, apiKey: string | undefined): string | null {
  if (apiKey === undefined) return null;
  const box = deps.gateway?.secrets ?? null;
  if (!box) {
    throw new ApiError(
      'secret_not_configured',
      'api_key cannot be stored: set TOLLGATE_SECRET on the server (at least 16 characters, e.g. `openssl rand -hex 32`), restart it, and send the provider again.',
      'api_key',
    );
  }
  return box.seal(apiKey);
}

async function createProvider(deps: AdminDeps, body: CreateProviderBody): Promise<ProviderJson> {
  const data = gatewayData(deps.store);
  const now = Date.now();
  await data.upsertProvider({
    id: body.id,
    kind: body.kind,
    baseUrl: body.base_url,
    apiKeyCiphertext: sealApiKey(deps, body.api_key),
    createdAt: now,
    updatedAt: now,
  });
  await deps.gateway?.providers.reload();
  // Read back: a replaced provider keeps its first created_at.
  const row = (await data.listProviders()).find((p) => p.id === body.id);
  if (!row) throw new Error(`provider ${body.id} was written but cannot be read back`);
  return storedJson(row);
}

async function deleteProvider(deps: AdminDeps, id: string) {
  if (await gatewayData(deps.store).deleteProvider(id)) {
    await deps.gateway?.providers.reload();
    return { id, object: 'provider' as const, deleted: true as const };
  }
  if (deps.gateway?.providers.map().has(id)) {
    throw new ApiError(
      'provider_read_only',
      `Provider ${id} comes from the environment or the config file; change it there, or replace it with POST /api/v1/providers.`,
    );
  }
  throw new ApiError('provider_not_found', `No provider ${id}; list them with GET /api/v1/providers.`);
}

/** Providers: the upstreams the gateway forwards to. Their API keys go in sealed and never come out. */
export function providerRoutes(app: Hono, deps: AdminDeps): void {
  bindRoute(app, adminRoutes.createProvider, async ({ body }) => ({
    body: await createProvider(deps, body),
  }));

  bindRoute(app, adminRoutes.listProviders, async () => ({
    body: listJson(await listProviders(deps), null),
  }));

  bindRoute(app, adminRoutes.deleteProvider, async ({ params }) => ({
    body: await deleteProvider(deps, params.id),
  }));
}
