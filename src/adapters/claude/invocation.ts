// Claude Code's headless invocation (agent-clis.md §1.1): argv, env, the settings file and the instructions file.
import { posix } from 'node:path';
import { checkModelName, checkStepInput, invalidInputOf } from '../invocation-checks.js';
import type { JsonObject } from '../stream/json.js';
import type { AgentInvocation, AgentInvocationInput } from '../types.js';
import { projectClaudePermissions, type ClaudePermissions } from './permissions.js';

export const CLAUDE_BINARY = 'claude';
export const CLAUDE_INSTRUCTIONS_FILE = 'instructions.md';
export const CLAUDE_SETTINGS_FILE = 'claude-settings.json';

/**
 * Quiet in a container (§1.4 "Quiet in a container"). Presence checks: any value disables. Non-essential traffic
 * covers the autoupdater, bug command, error reporting and telemetry; the others are set as well so that a build
 * that splits the umbrella flag still stays quiet.
 */
export const CLAUDE_QUIET_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_BUG_COMMAND: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
  DISABLE_COST_WARNINGS: '1',
};

const invalid = invalidInputOf('claude');

function checkInput(input: AgentInvocationInput): void {
  checkModelName(input.model, '--model', 'claude-sonnet-4-5', invalid);
  checkStepInput(input, invalid);
}

/** The settings file passed with --settings: the permission rules again (a second layer) and the quiet env. */
export function claudeSettings(permissions: ClaudePermissions, outDir: string): JsonObject {
  return {
    $schema: 'https://json.schemastore.org/claude-code-settings.json',
    permissions: {
      allow: permissions.allow,
      ask: [],
      deny: permissions.deny,
      defaultMode: permissions.mode,
      additionalDirectories: [outDir],
      // Keep a dontAsk persona from switching itself to bypass (§1.2 shape).
      ...(permissions.mode === 'dontAsk' ? { disableBypassPermissionsMode: 'disable' } : {}),
    },
    env: { ...CLAUDE_QUIET_ENV },
    // Claude's own sandbox needs bubblewrap and user namespaces, which the container denies (§1.2 "Built-in
    // sandbox"); the container enforces the policy instead.
    sandbox: { enabled: false },
    cleanupPeriodDays: 1,
    includeCoAuthoredBy: false,
  };
}

export function claudeInvocation(input: AgentInvocationInput): AgentInvocation {
  checkInput(input);
  const permissions = projectClaudePermissions(input.permissions);
  const meta = input.paths.meta;
  const argv = [
    CLAUDE_BINARY,
    '-p',
    // stream-json in -p requires --verbose (§1.1).
    '--output-format',
    'stream-json',
    '--verbose',
    '--model',
    input.model,
    // Appends to Claude's default system prompt; the read-only source gets no CLAUDE.md (§0.1, §1.1).
    '--append-system-prompt-file',
    posix.join(meta, CLAUDE_INSTRUCTIONS_FILE),
    '--permission-mode',
    permissions.mode,
    ...(permissions.allow.length > 0 ? ['--allowedTools', permissions.allow.join(',')] : []),
    ...(permissions.deny.length > 0 ? ['--disallowedTools', permissions.deny.join(',')] : []),
    // The cwd is the read-only source; outputs go to /wave/out (§0.2).
    '--add-dir',
    input.paths.out,
    '--settings',
    posix.join(meta, CLAUDE_SETTINGS_FILE),
    // Flag settings (--settings) and managed settings are always loaded. `user` ($CLAUDE_CONFIG_DIR on the tmpfs
    // HOME, empty) keeps the repository's own .claude/settings*.json — its allow rules, hooks, MCP servers — out.
    '--setting-sources',
    'user',
    '--strict-mcp-config',
    '--mcp-config',
    '{"mcpServers":{}}',
    '--no-session-persistence',
    ...(input.maxTurns !== undefined ? ['--max-turns', String(input.maxTurns)] : []),
  ];
  const env: Record<string, string> = {
    ANTHROPIC_BASE_URL: input.gateway.baseUrl.replace(/\/+$/, ''),
    ANTHROPIC_API_KEY: input.gateway.apiKey,
    // Claude writes .claude.json, todos and shell snapshots here; it must be writable (§0.3, §1.4).
    CLAUDE_CONFIG_DIR: posix.join(input.paths.home, '.claude'),
    ...CLAUDE_QUIET_ENV,
  };
  return {
    argv,
    env,
    files: {
      [CLAUDE_INSTRUCTIONS_FILE]: input.instructions,
      [CLAUDE_SETTINGS_FILE]: `${JSON.stringify(claudeSettings(permissions, input.paths.out), null, 2)}\n`,
    },
    stdin: input.prompt,
  };
}
