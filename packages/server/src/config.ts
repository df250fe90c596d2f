import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseInput, type TollgateConfig, tollgateConfigSchema } from '@tollgate/contract';
import type { RateCard } from '@tollgate/domain';
import type { ProviderKind } from '@tollgate/providers';
import { parse as parseYaml } from 'yaml';
import type { ProviderConfig } from './gateway/catalog.ts';
import { rateCardFromBody } from './gateway/rate-cards.ts';

const CANDIDATES = ['tollgate.config.json', 'tollgate.config.yaml', 'tollgate.config.yml'];

/** A config file that cannot be used; the message names the file and the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  path: string | null;
  providers: ProviderConfig[];
  rateCards: RateCard[];
}

/**
 * Reads `TOLLGATE_CONFIG`, else the first of tollgate.config.(json|yaml|yml) in `cwd`. No file is
 * no configuration: everything can also be managed through the admin API.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const path = env.TOLLGATE_CONFIG
    ? resolve(cwd, env.TOLLGATE_CONFIG)
    : (CANDIDATES.map((name) => resolve(cwd, name)).find((p) => existsSync(p)) ?? null);
  if (!path) return { path: null, providers: [], rateCards: [] };
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = parseInput(tollgateConfigSchema, raw ?? {});
  if (!parsed.ok) throw new ConfigError(`${path}: ${parsed.problem.message}`);
  return { path, providers: providers(parsed.data, env, path), rateCards: rateCards(parsed.data) };
}

function providers(config: TollgateConfig, env: NodeJS.ProcessEnv, path: string): ProviderConfig[] {
  return config.providers.map((p) => {
    const apiKey = p.api_key ?? (p.api_key_env ? env[p.api_key_env] : undefined);
    if (p.api_key_env && apiKey === undefined) {
      throw new ConfigError(
        `${path}: provider ${p.id} reads its key from ${p.api_key_env}, which is not set`,
      );
    }
    return { id: p.id, kind: p.kind as ProviderKind, baseUrl: p.base_url, apiKey: apiKey ?? '' };
  });
}

function rateCards(config: TollgateConfig): RateCard[] {
  // A config card with no start has always applied (the file is read at start).
  return config.rate_cards.map((c) => rateCardFromBody(c, 0));
}
