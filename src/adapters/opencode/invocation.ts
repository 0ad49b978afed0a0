// OpenCode's headless invocation (agent-clis.md §2.1, §2.2, §2.4): the model's routing through the gateways, the
// inline per-step config, argv and env. What this relies on was checked against the pinned 1.18.33 binary
// (test/e2e/opencode.test.ts): `run` reads the prompt from stdin when it is not a TTY and rejects every permission
// "ask" without --auto.
import { posix } from 'node:path';
import { checkStepInput, gatewayUrl, invalidInputOf } from '../invocation-checks.js';
import type { JsonObject } from '../stream/json.js';
import type { AgentInvocation, AgentInvocationInput, AgentProvider } from '../types.js';
import { projectOpencodePermissions } from './permissions.js';

export const OPENCODE_BINARY = 'opencode';
/** The per-step primary agent named with --agent; its prompt is the step's instructions. */
export const OPENCODE_AGENT = 'wave';
export const OPENCODE_INSTRUCTIONS_FILE = 'instructions.md';

const invalid = invalidInputOf('opencode');

// Model routing: `provider/model` (split at the first `/`, as `run --model` does).

/**
 * OpenCode provider id → the Wave gateway it goes through, and the path the bundled AI SDK package expects under
 * its base URL: @ai-sdk/anthropic appends `/messages` to `…/v1`, @ai-sdk/openai appends `/responses` to `…/v1`
 * (the openai gateway's base URL already ends in /v1), @ai-sdk/google appends `/models/<m>:streamGenerateContent`
 * to `…/v1beta`. `key` is the provider's own key variable, which the config reads with `{env:…}`.
 *
 * `openai-compatible` is not an OpenCode provider but Wave's name for the bundled @ai-sdk/openai-compatible
 * package behind the openai gateway: OpenAI's Chat Completions API (`…/v1/chat/completions`), which company LLM
 * proxies and local servers speak when they do not speak the Responses API that `openai/…` uses. The package is
 * compiled into the 1.18.33 binary: nothing is installed at start.
 */
const PROVIDERS: Readonly<Record<string, { gateway: AgentProvider; basePath: string; key: string; npm?: string }>> = {
  anthropic: { gateway: 'anthropic', basePath: '/v1', key: 'ANTHROPIC_API_KEY' },
  openai: { gateway: 'openai', basePath: '', key: 'OPENAI_API_KEY' },
  'openai-compatible': { gateway: 'openai', basePath: '', key: 'OPENAI_API_KEY', npm: '@ai-sdk/openai-compatible' },
  google: { gateway: 'google', basePath: '/v1beta', key: 'GOOGLE_GENERATIVE_AI_API_KEY' },
};

const MODEL_HINT =
  'name the model as provider/model, e.g. --model "anthropic/claude-sonnet-4-5" ' +
  '(providers: anthropic, openai, google, openai-compatible)';

export function splitOpencodeModel(model: string): { provider: string; model: string } {
  const slash = model.indexOf('/');
  const provider = slash > 0 ? model.slice(0, slash) : '';
  const id = slash > 0 ? model.slice(slash + 1) : '';
  if (provider === '' || id === '' || /[\s\0]/.test(model) || model.startsWith('-')) {
    throw invalid(`model '${model}' is not 'provider/model'`, MODEL_HINT);
  }
  if (!Object.prototype.hasOwnProperty.call(PROVIDERS, provider)) {
    throw invalid(`provider '${provider}' of model '${model}' has no Wave model gateway`, MODEL_HINT);
  }
  return { provider, model: id };
}

export function opencodeProviderFor(model: string): AgentProvider {
  return PROVIDERS[splitOpencodeModel(model).provider]!.gateway;
}

/**
 * Quiet and closed in a container. The image sets the first group too; they are repeated so that the invocation
 * alone says what the step relies on. PROJECT_CONFIG keeps the read-only source's own opencode.json, .opencode/
 * (agents, plugins, commands), AGENTS.md and CLAUDE.md out: they could widen the permissions or run plugin code.
 * PURE skips external plugins; EXTERNAL_SKILLS the skill scans under ~/.claude and ~/.agents.
 */
export const OPENCODE_QUIET_ENV: Readonly<Record<string, string>> = {
  OPENCODE_DISABLE_AUTOUPDATE: '1',
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
  OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  OPENCODE_DISABLE_CLAUDE_CODE: '1',
  OPENCODE_DISABLE_TERMINAL_TITLE: '1',
  OPENCODE_DISABLE_PROJECT_CONFIG: '1',
  OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
  OPENCODE_DISABLE_SHARE: '1',
  OPENCODE_PURE: '1',
};

/** The model name is checked by splitOpencodeModel, the gateway URL by opencodeConfig, where each is used. */
function checkInput(input: AgentInvocationInput): void {
  checkStepInput(input, invalid, { gatewayUrl: false });
}

function providerConfig(provider: string, model: string, baseURL: string): JsonObject {
  const spec = PROVIDERS[provider]!;
  const options = { baseURL, apiKey: `{env:${spec.key}}` };
  // Declared even for a catalogued provider: OpenCode refuses a model its bundled catalogue lacks ("Model not found",
  // reported on stdout only as an UnknownError), and a company gateway's model names are rarely in it. For a
  // catalogued model this only adds to the catalogue's entry.
  if (spec.npm === undefined) return { options, models: { [model]: { tool_call: true } } };
  // A provider OpenCode's catalogue does not know: the package, and the one model the step uses (tool calls on).
  return { npm: spec.npm, name: provider, options, models: { [model]: { name: model, tool_call: true } } };
}

/**
 * The inline config (OPENCODE_CONFIG_CONTENT): applied over the (empty) global config; nothing is written to the
 * source.
 */
export function opencodeConfig(input: AgentInvocationInput): JsonObject {
  const { provider, model } = splitOpencodeModel(input.model);
  const spec = PROVIDERS[provider]!;
  const baseURL = `${gatewayUrl(input.gateway.baseUrl, invalid).href.replace(/\/+$/, '')}${spec.basePath}`;
  const permission = projectOpencodePermissions(input.permissions, input.paths);
  return {
    model: input.model,
    // Side calls (the session title is not one: --title is given) stay on the step's model and gateway.
    small_model: input.model,
    enabled_providers: [provider],
    provider: { [provider]: providerConfig(provider, model, baseURL) },
    autoupdate: false,
    share: 'disabled',
    // Snapshots would build a shadow git repository of the source in the data dir on every step.
    snapshot: false,
    formatter: false,
    lsp: false,
    mcp: {},
    plugin: [],
    // Top level for the built-in subagents (task), and again on the step's agent, whose rules come last.
    permission,
    default_agent: OPENCODE_AGENT,
    agent: {
      [OPENCODE_AGENT]: {
        mode: 'primary',
        description: 'The Wave step',
        // Replaces OpenCode's provider prompt; `{file:…}` is read when the config loads (§0.1: no file in the
        // source).
        prompt: `{file:${posix.join(input.paths.meta, OPENCODE_INSTRUCTIONS_FILE)}}`,
        permission,
        ...(input.maxTurns !== undefined ? { steps: input.maxTurns } : {}),
      },
    },
  };
}

export function opencodeInvocation(input: AgentInvocationInput): AgentInvocation {
  checkInput(input);
  const { provider } = splitOpencodeModel(input.model);
  const config = opencodeConfig(input);
  const argv = [
    OPENCODE_BINARY,
    'run',
    '--format',
    'json',
    '--model',
    input.model,
    '--agent',
    OPENCODE_AGENT,
    // A given title skips the title-generation call to the model.
    '--title',
    'wave step',
    // Errors in full on stderr: the JSON stream reduces many of them to "UnknownError: Unexpected server error".
    '--print-logs',
    '--log-level',
    'ERROR',
    // No --auto: `run` rejects every permission "ask" (§2.1). No message: the prompt is read from stdin (§0.7).
  ];
  const env: Record<string, string> = {
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    // OPENCODE_PERMISSION is merged over the permission block of every config layer, after them all.
    OPENCODE_PERMISSION: JSON.stringify(config.permission),
    [PROVIDERS[provider]!.key]: input.gateway.apiKey,
    // OpenCode writes ~/.config, ~/.local/share, ~/.local/state and ~/.cache (§0.3): the tmpfs HOME.
    XDG_CONFIG_HOME: posix.join(input.paths.home, '.config'),
    XDG_DATA_HOME: posix.join(input.paths.home, '.local', 'share'),
    XDG_STATE_HOME: posix.join(input.paths.home, '.local', 'state'),
    XDG_CACHE_HOME: posix.join(input.paths.home, '.cache'),
    ...OPENCODE_QUIET_ENV,
  };
  return { argv, env, files: { [OPENCODE_INSTRUCTIONS_FILE]: input.instructions }, stdin: input.prompt };
}
