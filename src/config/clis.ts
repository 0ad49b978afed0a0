// The agent CLIs Wave ships an image for, as the manifest sees them: which CLI an adapter entry means, the image it
// runs in when the entry names none, and the model each tier means when the entry has no tier_models (the
// original Wave maps tiers itself, per adapter). The adapters' code lives in src/adapters/, keyed by these names.

import type { Adapter, TierName } from './types.js';

export interface KnownCli {
  image: string;
  binary: string;
  tiers: Record<TierName, string>;
}

export const KNOWN_CLIS: Readonly<Record<string, KnownCli>> = {
  claude: {
    image: 'wave/claude:latest',
    binary: 'claude',
    tiers: { cheapest: 'claude-haiku-4-5', balanced: 'claude-sonnet-4-5', strongest: 'claude-opus-4-1' },
  },
  codex: {
    image: 'wave/codex:latest',
    binary: 'codex',
    tiers: { cheapest: 'gpt-5-mini', balanced: 'gpt-5-codex', strongest: 'gpt-5' },
  },
  gemini: {
    image: 'wave/gemini:latest',
    binary: 'gemini',
    tiers: { cheapest: 'gemini-2.5-flash-lite', balanced: 'gemini-2.5-flash', strongest: 'gemini-2.5-pro' },
  },
  opencode: {
    image: 'wave/opencode:latest',
    binary: 'opencode',
    tiers: {
      cheapest: 'anthropic/claude-haiku-4-5',
      balanced: 'anthropic/claude-sonnet-4-5',
      strongest: 'anthropic/claude-opus-4-1',
    },
  },
};

/**
 * The CLI an adapter entry means: its name (`claude`), else its name's first part (`opencode-qwen`), else its
 * binary's base name or that name's first part (`opencode-patched`); undefined when none is a CLI Wave knows.
 */
export function cliOf(name: string, binary: string | undefined): string | undefined {
  const base = binary?.split('/').pop() ?? '';
  for (const candidate of [name, name.split('-')[0], base, base.split('-')[0]]) {
    if (candidate && Object.hasOwn(KNOWN_CLIS, candidate)) return candidate;
  }
  return undefined;
}

/** The tier's model from the entry's tier_models, else the CLI's built-in map; 'default' means default_model. */
export interface MappedTier {
  model?: string;
  source: 'tier_models' | 'built-in' | 'default_model';
  /** Set when the tier has no model of the adapter's provider: why, for a warning (the default model is used). */
  unmapped?: string;
}

export function mapTier(adapterName: string, adapter: Adapter, tier: TierName): MappedTier {
  const own = adapter.tier_models?.[tier];
  if (own !== undefined && own !== 'default') return { model: own, source: 'tier_models' };
  if (own === 'default') return { ...withDefault(adapter), source: 'default_model' };
  const builtIn = adapter.cli === undefined ? undefined : KNOWN_CLIS[adapter.cli]?.tiers[tier];
  const defaultProvider = providerPrefix(adapter.default_model);
  if (builtIn !== undefined && (defaultProvider === undefined || defaultProvider === providerPrefix(builtIn))) {
    return { model: builtIn, source: 'built-in' };
  }
  const why =
    builtIn === undefined
      ? `adapter '${adapterName}' has no tier_models.${tier} and no built-in tier map`
      : `the built-in ${tier} model '${builtIn}' is not served by adapter '${adapterName}'s provider ` +
        `(default_model '${adapter.default_model ?? ''}')`;
  return { ...withDefault(adapter), source: 'default_model', unmapped: why };
}

function withDefault(adapter: Adapter): { model?: string } {
  return adapter.default_model === undefined ? {} : { model: adapter.default_model };
}

/** `anthropic/claude-…` → `anthropic` (OpenCode's provider/model names); a bare model name has none. */
function providerPrefix(model: string | undefined): string | undefined {
  if (model === undefined || !model.includes('/')) return undefined;
  return model.split('/')[0];
}
