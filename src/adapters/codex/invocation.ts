// Codex's headless invocation (agent-clis.md §4.1): argv, env and the config placed into the tmpfs HOME.
//
// Everything here was checked against the pinned binary (codex-cli 0.169.0 in wave/codex:latest, behind a loopback
// capture server); the findings are cited as "0.169" in the comments.
import { stringify as stringifyToml } from 'smol-toml';
import { checkModelName, checkStepInput, invalidInputOf } from '../invocation-checks.js';
import type { AgentInvocation, AgentInvocationInput } from '../types.js';
import { codexRules, projectCodexPermissions, type CodexPermissions } from './permissions.js';

export const CODEX_BINARY = 'codex';
/** Codex reads its config, rules and AGENTS.md from $CODEX_HOME, by default ~/.codex (left unset: see the image). */
export const CODEX_CONFIG_FILE = '.codex/config.toml';
export const CODEX_RULES_FILE = '.codex/rules/wave.rules';
/** The name of the model provider Wave defines: the gateway, reached over plain HTTP. */
export const CODEX_PROVIDER = 'wave';
/** The variable the provider reads its key from; the sandbox sets it to the gateway's placeholder. */
export const CODEX_KEY_ENV = 'OPENAI_API_KEY';

/**
 * ~/.codex/config.toml for one step. It replaces the image's seed (images/codex/home/.codex/config.toml), so the
 * seed's settings are repeated here.
 */
export function codexConfigToml(input: {
  instructions: string;
  gatewayBaseUrl: string;
  permissions: CodexPermissions;
}): string {
  const p = input.permissions;
  const config = {
    // The gateway as a provider of its own: 0.169 ignores OPENAI_BASE_URL for the built-in provider and would try
    // a WebSocket to the public host first. A custom provider speaks plain HTTP + SSE to base_url and makes no
    // model-list request.
    model_provider: CODEX_PROVIDER,
    // exec forces approval "never" anyway; a `prompt` execpolicy decision then means a refusal.
    approval_policy: 'never',
    // Codex's own sandbox (bubblewrap) needs user namespaces, which the container (cap-drop ALL,
    // no-new-privileges, default seccomp) denies: under workspace-write 0.169 fails every command with "bwrap: No
    // permissions to create a new namespace…" (exit 1). The container, its read-only mounts and the egress proxy
    // are the boundary instead.
    sandbox_mode: 'danger-full-access',
    check_for_update_on_startup: false,
    ...(p.webSearch ? {} : { web_search: 'disabled' }),
    // A developer message of its own in every request; the read-only source gets no AGENTS.md (§0.1).
    developer_instructions: input.instructions,
    analytics: { enabled: false },
    feedback: { enabled: false },
    history: { persistence: 'none' },
    // Plugin discovery contacts github.com, api.github.com and chatgpt.com at start (0.169, seen at the proxy).
    features: { plugins: false, ...(p.shell ? {} : { shell_tool: false }) },
    // 0.169 calls `[features] multi_agent` deprecated and names this switch for every sub-agent version.
    ...(p.subagents ? {} : { agents: { enabled: false } }),
    model_providers: {
      [CODEX_PROVIDER]: {
        name: 'Wave model gateway',
        base_url: input.gatewayBaseUrl,
        env_key: CODEX_KEY_ENV,
        wire_api: 'responses',
      },
    },
  };
  const header = '# Written by Wave for one step; replaces the image seed (whose settings are repeated here).';
  return `${header}\n${stringifyToml(config).trimEnd()}\n`;
}

const invalid = invalidInputOf('codex');

function checkInput(input: AgentInvocationInput): void {
  checkModelName(input.model, '-m', 'gpt-5-codex', invalid);
  // The Codex invocation does not use maxTurns, so it is not checked either.
  checkStepInput(input, invalid, { maxTurns: false });
}

export function codexInvocation(input: AgentInvocationInput): AgentInvocation {
  checkInput(input);
  const projected = projectCodexPermissions(input.permissions);
  const webSearch = projected.webSearch && (input.providerTools ?? []).includes('web_search');
  const permissions = { ...projected, webSearch };
  const argv = [
    CODEX_BINARY,
    'exec',
    '--json',
    // Fail on a config key this build does not know, instead of silently ignoring (say) a renamed analytics switch.
    '--strict-config',
    // The source snapshot need not be a git repository (§4.1 "Git check").
    '--skip-git-repo-check',
    // No rollout files in the tmpfs HOME.
    '--ephemeral',
    // See sandbox_mode in codexConfigToml: Codex's own sandbox cannot work in the container.
    '--sandbox',
    'danger-full-access',
    '-m',
    input.model,
    '-C',
    input.paths.src,
    // The cwd is the read-only source; outputs go to /wave/out (§0.2).
    '--add-dir',
    input.paths.out,
    // The prompt comes on stdin (§0.7).
    '-',
  ];
  const homeFiles: Record<string, string> = {
    [CODEX_CONFIG_FILE]: codexConfigToml({
      instructions: input.instructions,
      gatewayBaseUrl: input.gateway.baseUrl.replace(/\/+$/, ''),
      permissions,
    }),
  };
  const rules = codexRules(permissions);
  if (rules !== undefined) homeFiles[CODEX_RULES_FILE] = rules;
  return {
    argv,
    // The provider reads its key from here (env_key); the gateway swaps the placeholder for the real key.
    env: { [CODEX_KEY_ENV]: input.gateway.apiKey },
    files: {},
    homeFiles,
    stdin: input.prompt,
  };
}
