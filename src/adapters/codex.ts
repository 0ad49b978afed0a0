// The OpenAI Codex CLI adapter: headless invocation (agent-clis.md §4.1), permission projection into Codex's
// own levers (§4.2) and the `codex exec --json` parser (§4.3, §4.4, §5). Pure: no Docker, no engine.
//
// Everything below was checked against the pinned binary (codex-cli 0.169.0 in wave/codex:latest, behind a
// loopback capture server); the findings are cited as "0.169" in the comments.
import { WaveError } from '../errors.js';
import { checkModelName, checkStepInput, invalidInputOf } from './invocation-checks.js';
import { parsePersonaRule, personaRuleLists } from './rules.js';
import { stringify as stringifyToml } from 'smol-toml';
import type {
  AdapterEvent,
  AgentAdapter,
  AgentFailure,
  AgentInvocation,
  AgentInvocationInput,
  AgentOutcome,
  AgentPermissions,
  FailureClass,
  PermissionDenial,
  ResultEvent,
  StreamParser,
  ToolInputSummary,
  UsageTotals,
} from './types.js';
import {
  applyFailure,
  arr,
  classifyErrorText,
  commandSummary,
  describeExit,
  isObject,
  jsonSummary,
  num,
  parseJsonLines,
  str,
  truncate,
  TOOL_JSON_MAX,
  TOOL_RESULT_MAX,
  unique,
  uniqueBy,
  type JsonObject,
} from './util.js';

export const CODEX_BINARY = 'codex';
/** Codex reads its config, rules and AGENTS.md from $CODEX_HOME, by default ~/.codex (left unset: see the image). */
export const CODEX_CONFIG_FILE = '.codex/config.toml';
export const CODEX_RULES_FILE = '.codex/rules/wave.rules';
/** The name of the model provider Wave defines: the gateway, reached over plain HTTP. */
export const CODEX_PROVIDER = 'wave';
/** The variable the provider reads its key from; the sandbox sets it to the gateway's placeholder. */
export const CODEX_KEY_ENV = 'OPENAI_API_KEY';

// ---------------------------------------------------------------------------------------------------------------
// Permission projection: persona syntax → Codex's levers.
//
// Codex has no per-tool allow/deny list (§4.2). What it has, and what 0.169 really does with it:
//
//  C1  The shell tool (`exec_command`, unified exec) is switched off with `[features] shell_tool = false`: it is
//      then absent from the request's `tools`, and a call made anyway is refused with the tool output
//      "unsupported call: exec_command". Used when the persona denies the shell: `Bash` (or `Bash(*)`) in deny,
//      `*` in deny, or an allowed_tools list without `*` that names no Bash rule at all.
//  C2  `Bash(prefix…)` in deny becomes an execpolicy rule `prefix_rule(pattern=[…], decision="forbidden")` in
//      ~/.codex/rules/wave.rules. 0.169 enforces these under danger-full-access: the call is refused with
//      "… rejected: <justification>". Limits (verified): a rule matches whole tokens (`Bash(rm -rf*)` forbids
//      `rm -rf x`, not `rm -rfv x`); the spec is cut at its first `*` (a deny may only get wider); and a script
//      Codex cannot split into plain commands (a redirection, a heredoc, a subshell) is checked as the whole
//      `/bin/sh -lc '<script>'` argv, which no prefix of the inner command matches. A prefix rule is therefore a
//      second layer only; the container is the boundary.
//  C3  Bash rules in allowed_tools (`Bash(git log*)`) cannot narrow the shell: execpolicy has no default-deny.
//      Such a persona keeps the whole shell (with its deny rules); the restriction section of the instructions
//      still lists what it may run.
//  C4  `WebSearch`/`WebFetch` denied (or missing from a non-`*` allowed_tools) → `web_search = "disabled"`. Codex's
//      web search is the provider's server-side tool (`{"type":"web_search"}` in every request), so it also needs
//      `web_search` in the persona's sandbox.provider_tools: the model gateway refuses the request otherwise.
//  C5  `Task`/`Agent` denied (or missing from a non-`*` allowed_tools) → `[agents] enabled = false` (no sub-agent
//      tools).
//  C6  Write/Edit/MultiEdit/NotebookEdit/Read/Glob/Grep (bare or with a path) have no Codex lever: file writes
//      go through the shell or `apply_patch` (offered for models in Codex's catalog, e.g. gpt-5.5, never for
//      gpt-5-codex in 0.169), and paths are enforced by the mounts: the source and inputs are read-only, only
//      /wave/out and /tmp are writable.
//  C7  Entries that are not `Tool` or `Tool(spec)` are a manifest error; blank entries are dropped.

export interface CodexPermissions {
  /** C1: the shell tool is offered at all. */
  shell: boolean;
  /** C2: command prefixes (tokens) Codex must refuse. Empty when the shell is off. */
  forbiddenPrefixes: string[][];
  /** C4 */
  webSearch: boolean;
  /** C5 */
  subagents: boolean;
}

const SHELL_TOOLS = new Set(['Bash']);
const WEB_TOOLS = new Set(['WebSearch', 'WebFetch']);
const AGENT_TOOLS = new Set(['Task', 'Agent']);

/**
 * A Bash deny spec → the command tokens of a prefix rule, or undefined when it covers every command. The spec is
 * cut at its first `*` (and a legacy `:*` suffix is dropped): `rm -rf*` → ["rm", "-rf"], `npm test:*` → ["npm",
 * "test"], `git * main` → ["git"].
 */
export function codexCommandPrefix(spec: string): string[] | undefined {
  const star = spec.indexOf('*');
  let head = star >= 0 ? spec.slice(0, star) : spec;
  if (star >= 0 && head.endsWith(':')) head = head.slice(0, -1);
  const tokens = head.split(/\s+/).filter((t) => t !== '');
  for (const token of tokens) {
    if (/[\u0000-\u001f\u007f]/.test(token)) {
      throw new WaveError('manifest_invalid', `permission rule 'Bash(${spec})' holds a control character`);
    }
  }
  return tokens.length > 0 ? tokens : undefined;
}

export function projectCodexPermissions(permissions: AgentPermissions): CodexPermissions {
  const { allowed, denied } = personaRuleLists(permissions);
  const allowRules = allowed.filter((r) => r !== '*').map(parsePersonaRule);
  const denyRules = denied.filter((r) => r !== '*').map(parsePersonaRule);
  const denyAll = denied.includes('*');
  const allowAll = allowed.includes('*');

  /** A tool family is on unless it is denied outright or a closed allowed_tools list leaves it out (C1, C4, C5). */
  const enabled = (family: ReadonlySet<string>): boolean =>
    !denyAll &&
    !denyRules.some((r) => family.has(r.tool) && r.spec === undefined) &&
    (allowAll || allowRules.some((r) => family.has(r.tool)));

  let shell = enabled(SHELL_TOOLS);
  const prefixes: string[][] = [];
  for (const rule of denyRules) {
    if (!SHELL_TOOLS.has(rule.tool) || rule.spec === undefined) continue;
    const prefix = codexCommandPrefix(rule.spec);
    if (prefix === undefined) shell = false; // `Bash( *)`-like: every command
    else prefixes.push(prefix);
  }
  const forbiddenPrefixes = shell ? uniqueBy(prefixes, (p) => JSON.stringify(p)) : [];
  return { shell, forbiddenPrefixes, webSearch: enabled(WEB_TOOLS), subagents: enabled(AGENT_TOOLS) };
}

// ---------------------------------------------------------------------------------------------------------------
// Files placed into the tmpfs HOME (AgentInvocation.homeFiles).

/**
 * ~/.codex/config.toml for one step. It replaces the image's seed (images/codex/home/.codex/config.toml), so the
 * seed's settings are repeated here.
 */
export function codexConfigToml(input: { instructions: string; gatewayBaseUrl: string; permissions: CodexPermissions }): string {
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
      [CODEX_PROVIDER]: { name: 'Wave model gateway', base_url: input.gatewayBaseUrl, env_key: CODEX_KEY_ENV, wire_api: 'responses' },
    },
  };
  return `# Written by Wave for one step; replaces the image seed (whose settings are repeated here).\n${stringifyToml(config).trimEnd()}\n`;
}

/** A Starlark string literal (JSON's escaping is a subset Starlark reads). */
function starlarkString(value: string): string {
  return JSON.stringify(value);
}

/** ~/.codex/rules/wave.rules: one forbidden prefix rule per denied command prefix (C2); undefined when none. */
export function codexRules(permissions: CodexPermissions): string | undefined {
  if (permissions.forbiddenPrefixes.length === 0) return undefined;
  const rules = permissions.forbiddenPrefixes.map((tokens) => {
    const pattern = tokens.map(starlarkString).join(', ');
    const justification = starlarkString(`\`${tokens.join(' ')}\` is denied by the persona's permissions`);
    return `prefix_rule(pattern=[${pattern}], decision="forbidden", justification=${justification})`;
  });
  return `# Written by Wave: the persona's Bash denials. Enforced by Codex as a second layer.\n${rules.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Invocation (§4.1).

const invalid = invalidInputOf('codex');

function checkInput(input: AgentInvocationInput): void {
  checkModelName(input.model, '-m', 'gpt-5-codex', invalid);
  // The Codex invocation does not use maxTurns, so it is not checked either.
  checkStepInput(input, invalid, { maxTurns: false });
}

export function codexInvocation(input: AgentInvocationInput): AgentInvocation {
  checkInput(input);
  const projected = projectCodexPermissions(input.permissions);
  const permissions = { ...projected, webSearch: projected.webSearch && (input.providerTools ?? []).includes('web_search') };
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

// ---------------------------------------------------------------------------------------------------------------
// Stream parser (§4.3, §5).

/** Codex item types that are tool calls, and the persona-vocabulary name each is reported under. */
const TOOL_ITEMS: Readonly<Record<string, string>> = {
  command_execution: 'Bash',
  file_change: 'Edit',
  mcp_tool_call: 'mcp',
  web_search: 'WebSearch',
};

function toolName(item: JsonObject): string {
  const type = str(item.type) ?? '';
  if (type === 'mcp_tool_call') return `mcp__${str(item.server) ?? 'unknown'}__${str(item.tool) ?? 'unknown'}`;
  return TOOL_ITEMS[type] ?? type;
}

/** The audit summary of a tool item: the command, the changed paths (never a diff), the query, the MCP input. */
export function summarizeCodexItem(item: JsonObject): ToolInputSummary {
  switch (item.type) {
    case 'command_execution':
      return commandSummary(item.command);
    case 'file_change': {
      const changes = arr(item.changes).filter(isObject);
      const paths = changes.map((c) => str(c.path)).filter((p): p is string => p !== undefined);
      const kinds = unique(changes.map((c) => str(c.kind)).filter((k): k is string => k !== undefined));
      return { file_path: truncate(paths.join(', '), TOOL_JSON_MAX), files: changes.length, kinds: kinds.join(',') };
    }
    case 'web_search':
      return { query: truncate(str(item.query) ?? '', TOOL_JSON_MAX) };
    case 'mcp_tool_call':
      return jsonSummary(item.arguments ?? null);
    default:
      return jsonSummary(item);
  }
}

function mcpResultText(result: unknown): string {
  if (!isObject(result)) return '';
  const parts: string[] = [];
  for (const block of arr(result.content)) {
    if (isObject(block) && typeof block.text === 'string') parts.push(block.text);
  }
  return parts.length > 0 ? parts.join('\n') : result.structured_content !== undefined ? JSON.stringify(result.structured_content) : '';
}

function itemResult(item: JsonObject): { isError: boolean; text: string } {
  const status = str(item.status);
  const exitCode = typeof item.exit_code === 'number' ? item.exit_code : undefined;
  const mcpError = isObject(item.error) ? (str(item.error.message) ?? 'error') : undefined;
  const isError = status === 'failed' || status === 'declined' || (exitCode !== undefined && exitCode !== 0) || mcpError !== undefined;
  let text: string;
  switch (item.type) {
    case 'command_execution':
      text = str(item.aggregated_output) ?? '';
      break;
    case 'file_change':
      text = arr(item.changes)
        .filter(isObject)
        .map((c) => `${str(c.kind) ?? 'change'} ${str(c.path) ?? ''}`)
        .join('\n');
      break;
    case 'mcp_tool_call':
      text = mcpError ?? mcpResultText(item.result);
      break;
    case 'web_search':
      text = str(item.query) ?? '';
      break;
    default:
      text = '';
  }
  if (status === 'declined' && text === '') text = 'declined';
  return { isError, text: truncate(text, TOOL_RESULT_MAX) };
}

/**
 * turn.completed usage (0.169: input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens,
 * reasoning_output_tokens), summed over the turn's model calls. input_tokens counts every prompt token, cached
 * ones included, so the uncached part is what remains after the cache reads and writes.
 */
function usageOf(u: JsonObject): UsageTotals & { reasoningTokens?: number } {
  const input = num(u.input_tokens) ?? 0;
  const cacheRead = num(u.cached_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_write_input_tokens) ?? 0;
  const reasoning = num(u.reasoning_output_tokens);
  return {
    inputTokens: Math.max(0, input - cacheRead - cacheWrite),
    outputTokens: num(u.output_tokens) ?? 0,
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheWrite,
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
  };
}

/** Codex's own wording for an exhausted context (0.169, on a 400 context_length_exceeded). */
const CODEX_CONTEXT_RE = /ran out of room in the model'?s context window/i;

/** A turn failure's class: Codex's own wording, then the shared classifier; an API-side failure otherwise. */
export function classifyCodexError(text: string): FailureClass {
  if (CODEX_CONTEXT_RE.test(text)) return 'context_exhausted';
  return classifyErrorText(text) ?? 'provider_error';
}

const exitReason = (exitCode: number | null): string =>
  describeExit('codex', exitCode, (code) => (code === 2 ? 'a command-line usage error' : undefined));

/** A refusal in Codex's stderr log: an unsupported (switched-off) tool, or a command an execpolicy rule rejected. */
const REFUSED_ON_STDERR = /codex_core::tools::router: error=(?:unsupported call: ([\w.-]+)|([\w.-]+) failed: .*Rejected\(\\?"(?:`((?:[^`])*)`)?)/;

class CodexStreamParser implements StreamParser {
  private readonly started = new Set<string>();
  private readonly completed = new Set<string>();
  private readonly denials: PermissionDenial[] = [];
  private readonly errors: string[] = [];
  private threadId: string | undefined;
  private lastText: string | undefined;
  private usage: UsageTotals | undefined;
  private turnCompleted = false;
  private turnFailed: string | undefined;
  private stderrDenials = 0;

  push(line: string): AdapterEvent[] {
    return parseJsonLines(line).flatMap((obj) => this.event(obj));
  }

  private event(obj: JsonObject): AdapterEvent[] {
    switch (obj.type) {
      case 'thread.started': {
        const id = str(obj.thread_id);
        if (id !== undefined) this.threadId = id;
        return [{ kind: 'init', tools: [], ...(id !== undefined ? { sessionId: id } : {}) }];
      }
      case 'item.started':
      case 'item.updated':
        return isObject(obj.item) ? this.itemStarted(obj.item) : [];
      case 'item.completed':
        return isObject(obj.item) ? this.itemCompleted(obj.item) : [];
      case 'turn.completed':
        return this.turnDone(obj);
      case 'turn.failed':
        return this.turnFail(obj);
      case 'error': {
        // Also sent for retries ("Reconnecting... 2/5 (…)") that later succeed: not fatal by itself (0.169).
        const message = str(obj.message);
        if (message === undefined) return [];
        this.errors.push(message);
        return [{ kind: 'error', message: truncate(message, TOOL_RESULT_MAX) }];
      }
      default:
        return []; // turn.started, item.plan.delta, request_user_input, future types
    }
  }

  private callEvent(item: JsonObject): AdapterEvent[] {
    const id = str(item.id);
    if (id === undefined || this.started.has(id)) return [];
    this.started.add(id);
    return [{ kind: 'tool_call', id, name: toolName(item), input: summarizeCodexItem(item) }];
  }

  private itemStarted(item: JsonObject): AdapterEvent[] {
    return typeof item.type === 'string' && item.type in TOOL_ITEMS ? this.callEvent(item) : [];
  }

  private itemCompleted(item: JsonObject): AdapterEvent[] {
    const type = str(item.type);
    if (type === 'agent_message') {
      const text = str(item.text);
      if (text === undefined || text === '') return [];
      this.lastText = text;
      return [{ kind: 'text', text }];
    }
    if (type === undefined || !(type in TOOL_ITEMS)) return []; // reasoning, todo_list, non-fatal `error` items, …
    const id = str(item.id);
    if (id === undefined || this.completed.has(id)) return [];
    const events = this.callEvent(item);
    this.completed.add(id);
    const result = itemResult(item);
    events.push({ kind: 'tool_result', id, isError: result.isError, text: result.text });
    if (item.status === 'declined') {
      const denial: PermissionDenial = { tool: toolName(item), input: summarizeCodexItem(item), id };
      this.denials.push(denial);
      events.push({ kind: 'permission_denial', ...denial });
    }
    return events;
  }

  private turnDone(obj: JsonObject): AdapterEvent[] {
    this.turnCompleted = true;
    const events: AdapterEvent[] = [];
    if (isObject(obj.usage)) {
      const { reasoningTokens, ...usage } = usageOf(obj.usage);
      this.usage = usage;
      // Codex reports usage once, at the end, summed over the turn's model calls (§0.8, §4.3).
      events.push({ kind: 'usage', ...usage, ...(reasoningTokens !== undefined ? { reasoningTokens } : {}) });
    }
    const result: ResultEvent = { kind: 'result', isError: false, permissionDenials: [...this.denials], errors: [] };
    if (this.lastText !== undefined) result.text = this.lastText;
    if (this.usage) result.usage = { ...this.usage };
    events.push(result);
    return events;
  }

  private turnFail(obj: JsonObject): AdapterEvent[] {
    const message = (isObject(obj.error) ? str(obj.error.message) : undefined) ?? 'turn failed';
    this.turnFailed = message;
    const result: ResultEvent = {
      kind: 'result',
      isError: true,
      text: message,
      permissionDenials: [...this.denials],
      errors: [message],
    };
    if (this.usage) result.usage = { ...this.usage };
    return [{ kind: 'error', message: truncate(message, TOOL_RESULT_MAX) }, result];
  }

  /**
   * Codex 0.169 answers a refused call (shell tool switched off, a forbidden prefix rule) in the tool output it
   * sends the model and logs it on stderr, with no JSONL item: this line is the only trace the parser can see.
   *   ERROR codex_core::tools::router: error=unsupported call: exec_command
   *   ERROR codex_core::tools::router: error=exec_command failed: CreateProcess { message: "Rejected(\"`…` rejected: …\")" }
   */
  pushStderr(line: string): AdapterEvent[] {
    const m = REFUSED_ON_STDERR.exec(line);
    if (!m) return [];
    const tool = m[1] ?? m[2] ?? 'unknown';
    const command = m[3] !== undefined ? m[3].replace(/\\"/g, '"') : undefined;
    const denial: PermissionDenial = { tool, input: command !== undefined ? commandSummary(command) : {}, id: `stderr-${++this.stderrDenials}` };
    this.denials.push(denial);
    return [{ kind: 'permission_denial', ...denial }];
  }

  finish(exitCode: number | null): AgentOutcome {
    const outcome: AgentOutcome = {
      ok: true,
      usage: this.usage ? { ...this.usage } : { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
      toolCalls: this.started.size,
      permissionDenials: [...this.denials],
    };
    if (this.threadId !== undefined) outcome.sessionId = this.threadId;

    // Exit codes (§4.4): 0 the turn completed; 1 an error or a failed turn; 2 a usage error. A failed turn decides
    // the class whatever the exit code says; top-level `error` lines alone do not (they also report retries).
    let failure: AgentFailure | undefined;
    if (this.turnFailed !== undefined) {
      failure = { class: classifyCodexError(this.turnFailed), reason: `codex turn failed: ${this.turnFailed}` };
    } else if (exitCode === 0 && this.turnCompleted) {
      if (this.lastText !== undefined) outcome.finalText = this.lastText;
    } else if (exitCode === 0) {
      failure = { class: 'exit', reason: 'codex exited with code 0 without turn.completed' };
    } else if (exitCode === null || exitCode === 137 || exitCode === 143 || exitCode === 2 || this.errors.length === 0) {
      failure = { class: 'exit', reason: exitReason(exitCode) };
    } else {
      const last = this.errors.at(-1)!;
      failure = { class: classifyErrorText(last) ?? 'exit', reason: `${exitReason(exitCode)}: ${last}` };
    }
    return applyFailure(outcome, failure);
  }
}

export function createCodexParser(): StreamParser {
  return new CodexStreamParser();
}

/** Tools whose path rules Codex has no mechanism for: only the container's read-only mounts stand behind them. */
const PATH_TOOLS = new Set(['Read', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Glob', 'Grep']);

/**
 * What Codex 0.169 cannot refuse by itself (checked on the binary): execpolicy has no default-deny, so an allow list
 * of shell commands still leaves the whole shell; and it has no per-path rules for reads and writes.
 */
export function codexUnenforceable(permissions: AgentPermissions): string[] {
  const { allowed, denied } = personaRuleLists(permissions);
  if (denied.includes('*')) return [];
  const out: string[] = [];
  const allowRules = allowed.filter((r) => r !== '*').map(parsePersonaRule);
  const wholeShell = allowed.includes('*') || allowRules.some((r) => SHELL_TOOLS.has(r.tool) && r.spec === undefined);
  const shellOff = denied.map(parsePersonaRule).some((r) => SHELL_TOOLS.has(r.tool) && r.spec === undefined);
  const commandAllows = allowRules.filter((r) => SHELL_TOOLS.has(r.tool) && r.spec !== undefined);
  if (commandAllows.length > 0 && !wholeShell && !shellOff) {
    out.push(`an allow list of shell commands (${commandAllows.map((r) => `Bash(${r.spec})`).join(', ')}): it offers the whole shell or none`);
  }
  const pathRules = [...allowRules.filter((r) => r.spec !== undefined), ...denied.map(parsePersonaRule).filter((r) => r.spec !== undefined)].filter((r) => PATH_TOOLS.has(r.tool));
  if (pathRules.length > 0) {
    out.push(`path rules (${pathRules.map((r) => `${r.tool}(${r.spec})`).join(', ')}): it has no per-path tool rules`);
  }
  return out;
}

export const codexAdapter: AgentAdapter = {
  name: 'codex',
  provider: 'openai',
  binary: CODEX_BINARY,
  unenforceable: codexUnenforceable,
  invocation: codexInvocation,
  createParser: createCodexParser,
};
