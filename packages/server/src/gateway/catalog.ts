import {
  type Api,
  anthropicAdapter,
  openAiAdapter,
  type ProviderAdapter,
  type ProviderKind,
} from '@tollgate/providers';
import { GatewayError } from './caller-errors.ts';

export interface ProviderConfig {
  id: string;
  kind: ProviderKind;
  /** The API root as the provider's official SDK takes it. */
  baseUrl: string;
  apiKey: string;
}

export interface Route {
  provider: ProviderConfig;
  adapter: ProviderAdapter;
  /** The model name the provider knows (without a `provider/` prefix). */
  model: string;
}

const ADAPTERS: Record<ProviderKind, ProviderAdapter> = {
  openai: openAiAdapter('openai'),
  anthropic: anthropicAdapter(),
  'openai-compatible': openAiAdapter('openai-compatible'),
};

export const adapterFor = (kind: ProviderKind): ProviderAdapter => ADAPTERS[kind];

/** Model families of the built-in providers (DESIGN.md §4 Routing). */
const FAMILIES: { pattern: RegExp; provider: string }[] = [
  { pattern: /^(gpt-|o\d|chatgpt-|text-embedding-|davinci|babbage|omni-)/, provider: 'openai' },
  { pattern: /^claude-/, provider: 'anthropic' },
];

/**
 * The model catalog: `provider_id/model` goes to that configured provider; otherwise a model
 * family picks a built-in provider. Upstream URLs come only from configuration.
 */
export class Catalog {
  constructor(private readonly providers: () => ReadonlyMap<string, ProviderConfig>) {}

  route(model: string, api: Api): Route {
    const providers = this.providers();
    const slash = model.indexOf('/');
    let provider: ProviderConfig | undefined;
    let upstreamModel = model;
    if (slash > 0 && providers.has(model.slice(0, slash))) {
      provider = providers.get(model.slice(0, slash));
      upstreamModel = model.slice(slash + 1);
    } else {
      const family = FAMILIES.find((f) => f.pattern.test(model));
      provider = family && providers.get(family.provider);
    }
    if (!provider) {
      throw new GatewayError(
        'model_not_found',
        `No provider serves model ${model}. Use PROVIDER_ID/MODEL with a provider from POST /api/v1/providers.`,
        'model',
      );
    }
    const adapter = adapterFor(provider.kind);
    if (!adapter.apis.has(api)) {
      const where = provider.kind === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
      throw new GatewayError(
        'invalid_request',
        `Model ${model} is served by ${provider.id}: call ${where}.`,
        'model',
      );
    }
    return { provider, adapter, model: upstreamModel };
  }
}
