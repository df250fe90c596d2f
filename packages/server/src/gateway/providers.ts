import type { ProviderKind } from '@tollgate/providers';
import type { GatewayStore } from '@tollgate/storage';
import type { SecretBox } from '../secrets.ts';
import type { ProviderConfig } from './catalog.ts';

export const PROVIDER_POLL_MS = 2_000;
export const PROVIDER_KINDS: readonly ProviderKind[] = ['openai', 'anthropic', 'openai-compatible'];

/** OpenAI and Anthropic are always configured; their keys and base URLs come from the environment. */
export function builtinProviders(env: NodeJS.ProcessEnv): ProviderConfig[] {
  return [
    {
      id: 'openai',
      kind: 'openai',
      baseUrl: env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      apiKey: env.OPENAI_API_KEY ?? '',
    },
    {
      id: 'anthropic',
      kind: 'anthropic',
      baseUrl: env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
      apiKey: env.ANTHROPIC_API_KEY ?? '',
    },
  ];
}

/**
 * The providers the catalog routes to: the built-ins, then the config file's, then those added
 * through the admin API (stored with their key sealed), each replacing an earlier one of its id.
 */
export class Providers {
  private current = new Map<string, ProviderConfig>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: GatewayStore,
    private readonly fixed: ProviderConfig[],
    private readonly box: SecretBox | null,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.current = new Map(fixed.map((p) => [p.id, p]));
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => {}), PROVIDER_POLL_MS);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    const next = new Map(this.fixed.map((p) => [p.id, p]));
    for (const row of await this.store.listProviders()) {
      let apiKey = '';
      if (row.apiKeyCiphertext) {
        if (!this.box) {
          this.log(
            `provider ${row.id}: its key is sealed and TOLLGATE_SECRET is not set; calls go without a key`,
          );
        } else {
          try {
            apiKey = this.box.open(row.apiKeyCiphertext);
          } catch {
            // One unreadable row (sealed under another secret) must not take the others down.
            this.log(
              `provider ${row.id}: its key was sealed under another TOLLGATE_SECRET; calls go without a key`,
            );
          }
        }
      }
      next.set(row.id, { id: row.id, kind: row.kind as ProviderKind, baseUrl: row.baseUrl, apiKey });
    }
    this.current = next;
  }

  map(): ReadonlyMap<string, ProviderConfig> {
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
