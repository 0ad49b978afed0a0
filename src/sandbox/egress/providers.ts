// What the model gateway knows per provider: its public API, how it authenticates, where it listens inside the
// container, and which variables point the agent CLIs at it. Ports are fixed so images and docs can name them.

export type ProviderId = 'anthropic' | 'openai' | 'gemini';

export interface ProviderSpec {
  id: ProviderId;
  /** Loopback port inside the container (bridged to `<id>.sock`). */
  port: number;
  /** Default upstream when `runtime.models.<id>.base_url` is not set. */
  defaultUpstream: string;
  /**
   * Path prefix of the base URL the container sees. Requests under it are forwarded to the upstream base URL
   * with the prefix replaced, so a company proxy at https://llm.example/openai/v1 works with OPENAI_BASE_URL=…/v1.
   */
  containerBasePath: string;
  /** Host variables holding the real key, first set one wins. */
  hostKeyEnv: readonly string[];
  /** How the real key is attached upstream. */
  auth: 'x-api-key' | 'bearer' | 'x-goog-api-key';
  /** Variables given to the container: the base URL ones and the key ones (placeholder or real). */
  baseUrlEnv: readonly string[];
  keyEnv: readonly string[];
}

export const PROVIDERS: Readonly<Record<ProviderId, ProviderSpec>> = {
  anthropic: {
    id: 'anthropic',
    port: 4001,
    defaultUpstream: 'https://api.anthropic.com',
    containerBasePath: '',
    hostKeyEnv: ['ANTHROPIC_API_KEY'],
    auth: 'x-api-key',
    baseUrlEnv: ['ANTHROPIC_BASE_URL'],
    keyEnv: ['ANTHROPIC_API_KEY'],
  },
  openai: {
    id: 'openai',
    port: 4002,
    defaultUpstream: 'https://api.openai.com/v1',
    containerBasePath: '/v1',
    hostKeyEnv: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    auth: 'bearer',
    baseUrlEnv: ['OPENAI_BASE_URL'],
    // codex exec reads CODEX_API_KEY; OpenCode and the SDKs read OPENAI_API_KEY.
    keyEnv: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  },
  gemini: {
    id: 'gemini',
    port: 4003,
    defaultUpstream: 'https://generativelanguage.googleapis.com',
    containerBasePath: '',
    hostKeyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
    auth: 'x-goog-api-key',
    baseUrlEnv: ['GOOGLE_GEMINI_BASE_URL'],
    // Gemini CLI reads GEMINI_API_KEY; OpenCode's Google provider reads GOOGLE_GENERATIVE_AI_API_KEY.
    keyEnv: ['GEMINI_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
  },
};

export function isProviderId(value: string): value is ProviderId {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, value);
}

/** What the container gets instead of a key: obviously fake, so a leak of it is harmless and recognisable. */
export const PLACEHOLDER_KEY = 'wave-placeholder-key';

/** The base URL a CLI inside the container uses for this provider. */
export function containerBaseUrl(spec: ProviderSpec): string {
  return `http://127.0.0.1:${spec.port}${spec.containerBasePath}`;
}

/** The container env for one provider: base URL variables and key variables (placeholder unless passthrough). */
export function providerEnv(spec: ProviderSpec, key: string = PLACEHOLDER_KEY): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of spec.baseUrlEnv) env[name] = containerBaseUrl(spec);
  for (const name of spec.keyEnv) env[name] = key;
  return env;
}

/** The real key from the host environment, if any. */
export function hostKey(spec: ProviderSpec, hostEnv: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const name of spec.hostKeyEnv) {
    const v = hostEnv[name];
    if (v) return v;
  }
  return undefined;
}
