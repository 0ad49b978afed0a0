// Gemini CLI's headless invocation (agent-clis.md §3.1, §3.4): argv, env, the policy file and the files placed into
// the tmpfs HOME. Every choice below was checked against the pinned 0.61.0 (images/gemini) and is explained where it
// is made.
import { posix } from 'node:path';
import { checkModelName, checkStepInput, invalidInputOf } from '../invocation-checks.js';
import type { JsonObject } from '../stream/json.js';
import type { AgentInvocation, AgentInvocationInput } from '../types.js';
import { geminiPolicyToml, projectGeminiPermissions } from './permissions.js';

export const GEMINI_BINARY = 'gemini';
/** In /wave/meta, passed with --policy. */
export const GEMINI_POLICY_FILE = 'gemini-policy.toml';
/** Relative to HOME: the user settings (replace the image's seed, so they carry its settings over). */
export const GEMINI_SETTINGS_HOME_FILE = '.gemini/settings.json';
/**
 * Relative to HOME: the step's instructions as the global GEMINI.md. 0.61.0 appends the global context to the
 * system instruction (inside <loaded_context>), after its own prompt with the tool guidance that matches the tools
 * it declares; GEMINI_SYSTEM_MD would replace that prompt and we would have to keep a copy of it in step with each
 * release. The read-only source gets no file (§0.1).
 */
export const GEMINI_INSTRUCTIONS_HOME_FILE = '.gemini/GEMINI.md';

const invalid = invalidInputOf('gemini');

function checkInput(input: AgentInvocationInput): void {
  const model = input.model;
  checkModelName(model, '--model', 'gemini-2.5-flash', invalid);
  // `auto` lets the CLI route every turn through a classifier call to another model: the tier must name one model.
  if (model === 'auto' || model.startsWith('auto-')) {
    throw invalid(`model '${model}' routes between models; name one`, 'use a model id like gemini-2.5-flash');
  }
  checkStepInput(input, invalid);
}

/**
 * ~/.gemini/settings.json. The image's seed (images/gemini/home) is overwritten by this file, so its settings are
 * repeated here. What each key is for, as found in 0.61.0:
 * - security.auth.selectedType `gemini-api-key`: without it GOOGLE_GEMINI_BASE_URL selects the `gateway` auth type,
 *   which headless mode refuses (exit 41, "Invalid auth method selected."). With it the CLI sends GEMINI_API_KEY as
 *   x-goog-api-key to GOOGLE_GEMINI_BASE_URL.
 * - security.auth.useExternal: skips the CLI's own key check, whose first step reloads the `.env` files after
 *   --skip-trust has made the folder trusted; a trusted folder's `/wave/src/.gemini/.env` would then be copied into
 *   the CLI's environment (neither ignoreLocalEnv nor excludedEnvVars covers a `.gemini/.env`).
 * - advanced.ignoreLocalEnv: the settings load (before the arguments are read, so while the folder is still
 *   untrusted) would otherwise read the source's `.env` files.
 * - security.folderTrust.enabled stays on (the default): with trust switched off every folder counts as trusted from
 *   the first settings load, and the source's `.gemini/settings.json` and `.gemini/.env` would be merged in.
 * - privacy.usageStatisticsEnabled / telemetry: no usage statistics (they have no environment switch, §3.4).
 */
export function geminiSettings(maxTurns: number | undefined): JsonObject {
  return {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: {
      auth: { selectedType: 'gemini-api-key', useExternal: true },
      folderTrust: { enabled: true },
    },
    advanced: { ignoreLocalEnv: true },
    ...(maxTurns !== undefined ? { model: { maxSessionTurns: maxTurns } } : {}),
  };
}

/** Quiet in a container (§3.4), and nothing that makes the CLI think it is sandboxed already (no SANDBOX). */
export const GEMINI_QUIET_ENV: Readonly<Record<string, string>> = {
  GEMINI_TELEMETRY_ENABLED: 'false',
  NO_COLOR: '1',
  // The CLI re-executes itself with a bigger heap unless told not to: a second node process, and a parent that
  // ignores SIGTERM while the child runs. One process is enough headless.
  GEMINI_CLI_NO_RELAUNCH: 'true',
};

export function geminiInvocation(input: AgentInvocationInput): AgentInvocation {
  checkInput(input);
  const rules = projectGeminiPermissions(input.permissions, { src: input.paths.src, home: input.paths.home });
  const argv = [
    GEMINI_BINARY,
    // No -p: a non-TTY stdin makes the run headless and is the whole prompt (§0.7: never on argv).
    '--output-format',
    'stream-json',
    '--model',
    input.model,
    // yolo allows every tool; the policy file's deny rules outrank it (user tier 4.x against yolo's 1.998).
    '--approval-mode',
    'yolo',
    '--policy',
    posix.join(input.paths.meta, GEMINI_POLICY_FILE),
    // The cwd is the read-only source. The file tools refuse any path outside the workspace directories ("Path
    // not in workspace"), so the outputs (/wave/out, §0.2) and the earlier steps' artifacts (/wave/in) are added;
    // a directory that does not exist (a step without inputs) is accepted.
    '--include-directories',
    input.paths.out,
    '--include-directories',
    input.paths.in,
    // Trust the source folder for this run only: untrusted, the CLI forces approval mode "default", in which
    // headless mode refuses shell commands. Deliberately the flag, not GEMINI_CLI_TRUST_WORKSPACE=true: the flag
    // takes effect after the settings load, so the source's own `.gemini/settings.json` and `.gemini/.env` are
    // never read (checked on 0.61.0; see geminiSettings).
    '--skip-trust',
  ];
  const env: Record<string, string> = {
    GOOGLE_GEMINI_BASE_URL: input.gateway.baseUrl.replace(/\/+$/, ''),
    GEMINI_API_KEY: input.gateway.apiKey,
    // Where ~/.gemini lives; pinned to the tmpfs HOME whatever HOME says (§0.3).
    GEMINI_CLI_HOME: input.paths.home,
    ...GEMINI_QUIET_ENV,
  };
  return {
    argv,
    env,
    files: { [GEMINI_POLICY_FILE]: geminiPolicyToml(rules) },
    homeFiles: {
      [GEMINI_SETTINGS_HOME_FILE]: `${JSON.stringify(geminiSettings(input.maxTurns), null, 2)}\n`,
      [GEMINI_INSTRUCTIONS_HOME_FILE]: input.instructions,
    },
    stdin: input.prompt,
  };
}
