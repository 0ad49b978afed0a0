// The Claude Code adapter: headless invocation (agent-clis.md §1.1), permission projection into Claude's rule syntax
// (§1.2), and the stream-json parser (§1.3, §1.5, §5). Pure: no Docker, no engine.
import { posix } from 'node:path';
import { checkModelName, checkStepInput, invalidInputOf } from './invocation-checks.js';
import { parsePersonaRule, personaRuleLists } from './rules.js';
import type {
  AdapterEvent,
  AgentAdapter,
  AgentFailure,
  AgentInvocation,
  AgentInvocationInput,
  AgentOutcome,
  AgentPermissions,
  InitEvent,
  PermissionDenial,
  ResultEvent,
  StreamParser,
  ToolInputSummary,
  UsageEvent,
  UsageTotals,
} from './types.js';
import {
  applyFailure,
  arr,
  classifyErrorText,
  classifyHttpStatus,
  commandSummary,
  describeExit,
  fileWriteSummary,
  isObject,
  jsonSummary,
  num,
  parseJsonLines,
  str,
  truncate,
  TOOL_RESULT_MAX,
  unique,
  type JsonObject,
} from './util.js';

export const CLAUDE_BINARY = 'claude';
export const CLAUDE_INSTRUCTIONS_FILE = 'instructions.md';
export const CLAUDE_SETTINGS_FILE = 'claude-settings.json';

// ---------------------------------------------------------------------------------------------------------------
// Permission projection: persona syntax → Claude Code rule syntax.
//
// Persona entries are `Tool` or `Tool(spec)`; a trailing `*` in a spec means "anything after this" (a prefix).
// Claude checks deny → ask → allow, first match wins, so deny always beats allow (§1.2 "Rule evaluation"); the
// container and the read-only mounts stay the real boundary, these rules are a second layer.
//
//  R1  `*` in allowed_tools (every tool): Claude has no "all tools" rule, so the mode becomes bypassPermissions,
//      in which deny rules are still enforced (§1.1 "Permission modes"); the other allow entries are moot. We run
//      non-root, so bypass does not need IS_SANDBOX (§1.4 "Root").
//  R2  `*` in deny (no tool at all): every allow rule is dropped and the mode stays dontAsk, which denies every
//      tool that is not allow-listed (§1.1 "Permission modes"). Deny beats `*` in allowed_tools.
//  R3  A bare tool name maps to itself: `Read` → `Read`, `Bash` → `Bash`, `WebFetch` → `WebFetch`,
//      `mcp__srv__tool` → itself (§1.2 "A rule is `Tool` or `Tool(spec)`"). `Tool(*)` and `Tool()` are the bare name.
//  R4  Bash specs pass through unchanged: the persona's `Bash(git log*)` already is Claude's current wildcard form
//      (§1.2 "Bash rules": `Bash(git * main)`; `*` matches any text, so `Bash(git log*)` also matches
//      `git log -p`). Legacy `Bash(npm test:*)` specs also pass through; Claude still understands them.
//  R5  Path rules exist only for Read and Edit (§1.2 "Path rules"):
//        Write / Edit / MultiEdit / NotebookEdit (path) → Edit(path)  (Edit covers Write, MultiEdit, NotebookEdit;
//          `Write(path)` rules are accepted but never consulted, so `Write(/etc/*)` must become `Edit(//etc/**)`);
//        Read / Glob / Grep (path) → Read(path)  (Glob(path) rules are never consulted either; Claude applies Read
//          rules to the read-only search tools). An allow rule is therefore slightly wider than the persona's
//          (Edit as well as Write; Read as well as Glob), a deny rule slightly stricter.
//  R6  Paths follow gitignore syntax (§1.2): an absolute persona path `/x` becomes `//x` (a single `/x` would be
//      relative to the settings file); `//x`, `~/x`, `./x` and `x` (relative to the cwd, /wave/src) pass through.
//  R7  A trailing `/*` (or a trailing `/`) becomes `/**`: in gitignore syntax `*` stops at `/`, while the persona's
//      `Write(/wave/out/*)` means everything under /wave/out. Other `*` keep their gitignore meaning.
//  R8  Any other `Tool(spec)` (WebFetch(domain:x), Task(…), mcp…) passes through unchanged.
//  R9  Blank entries are dropped, duplicates (after projection) removed, order kept. An entry that is not `Tool`
//      or `Tool(spec)` is a manifest error.

export type ClaudePermissionMode = 'dontAsk' | 'bypassPermissions';

export interface ClaudePermissions {
  mode: ClaudePermissionMode;
  allow: string[];
  deny: string[];
}

const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const READ_TOOLS = new Set(['Read', 'Glob', 'Grep']);

function projectPath(spec: string): string {
  let path = spec;
  if (path.startsWith('/') && !path.startsWith('//')) path = `/${path}`; // R6
  if (path.endsWith('/*') && !path.endsWith('**')) path = `${path}*`; // R7
  else if (path.endsWith('/') && path.length > 1 && !path.endsWith('//')) path = `${path}**`;
  return path;
}

/** One persona rule → Claude rules (R3-R8). `*` alone is handled by projectClaudePermissions (R1, R2). */
export function projectClaudeRule(entry: string): string[] {
  if (entry.trim() === '') return [];
  const { tool, spec } = parsePersonaRule(entry);
  if (spec === undefined) return [tool]; // R3
  if (tool === 'Bash') return [`Bash(${spec})`]; // R4
  if (EDIT_TOOLS.has(tool)) return [`Edit(${projectPath(spec)})`]; // R5, R6, R7
  if (READ_TOOLS.has(tool)) return [`Read(${projectPath(spec)})`]; // R5, R6, R7
  return [`${tool}(${spec})`]; // R8
}

export function projectClaudePermissions(permissions: AgentPermissions): ClaudePermissions {
  const { allowed, denied } = personaRuleLists(permissions);
  const deny = unique(denied.filter((r) => r !== '*').flatMap(projectClaudeRule));
  if (denied.includes('*')) return { mode: 'dontAsk', allow: [], deny }; // R2
  if (allowed.includes('*')) return { mode: 'bypassPermissions', allow: [], deny }; // R1
  return { mode: 'dontAsk', allow: unique(allowed.flatMap(projectClaudeRule)), deny };
}

// ---------------------------------------------------------------------------------------------------------------
// Invocation (§1.1).

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

// ---------------------------------------------------------------------------------------------------------------
// Stream parser (§1.3, §1.5, §5).

/** Tool input summaries for the audit trace (which field shows what: §1.5 `extractToolTarget`). */
export function summarizeClaudeToolInput(name: string, input: unknown): ToolInputSummary {
  if (!isObject(input)) return jsonSummary(input);
  switch (name) {
    case 'Write':
      return fileWriteSummary(input.file_path, input.content);
    case 'Edit':
      return fileWriteSummary(input.file_path, input.new_string);
    case 'MultiEdit': {
      const edits = arr(input.edits).filter(isObject);
      const length = edits.reduce((n, e) => n + (typeof e.new_string === 'string' ? e.new_string.length : 0), 0);
      return { ...fileWriteSummary(input.file_path, undefined), content_length: length, edits: edits.length };
    }
    case 'NotebookEdit':
      return fileWriteSummary(input.notebook_path, input.new_source, 'notebook_path');
    case 'Bash':
      return commandSummary(input.command);
    default:
      return jsonSummary(input);
  }
}

function usageOf(u: JsonObject): UsageTotals {
  return {
    inputTokens: num(u.input_tokens) ?? 0,
    outputTokens: num(u.output_tokens) ?? 0,
    cacheReadTokens: num(u.cache_read_input_tokens) ?? 0,
    cacheCreationTokens: num(u.cache_creation_input_tokens) ?? 0,
  };
}

/** The window implied by a model name, before the result's modelUsage says it (§1.3 "live context"). */
function windowFromModelName(model: string | undefined): number | undefined {
  return model !== undefined && /\[1m\]$/i.test(model) ? 1_000_000 : undefined;
}

/** modelUsage[*].contextWindow: the main model's entry when it is there, else the largest window. */
function contextWindowOf(modelUsage: unknown, mainModel: string | undefined): number | undefined {
  if (!isObject(modelUsage)) return undefined;
  let largest: number | undefined;
  for (const [name, entry] of Object.entries(modelUsage)) {
    if (!isObject(entry)) continue;
    const window = num(entry.contextWindow);
    if (window === undefined) continue;
    if (mainModel !== undefined && name === mainModel) return window;
    largest = largest === undefined ? window : Math.max(largest, window);
  }
  return largest;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts: string[] = [];
  for (const block of arr(content)) {
    if (typeof block === 'string') parts.push(block);
    else if (isObject(block)) {
      if (typeof block.text === 'string') parts.push(block.text);
      else if (block.type === 'image') parts.push('[image]');
    }
  }
  return parts.join('\n');
}

function errorStrings(value: unknown): string[] {
  const out: string[] = [];
  for (const e of arr(value)) {
    if (typeof e === 'string') out.push(e);
    else if (isObject(e) && typeof e.message === 'string') out.push(e.message);
  }
  return out;
}

/**
 * How Claude Code answers a tool call the permissions refuse, when it does not list it in permission_denials:
 * a tool removed by a bare deny rule ("No such tool available: Write. Write is disabled for this session") or a
 * call refused in dontAsk mode. Checked against 2.1.330's real output (test/e2e/claude.test.ts).
 */
const REFUSAL = /No such tool available|disabled for this session|permission to use .* (?:has been denied|haven't granted)|was denied by|denied by (?:the )?permission/i;

function denialsOf(value: unknown): PermissionDenial[] {
  const out: PermissionDenial[] = [];
  for (const d of arr(value)) {
    if (!isObject(d)) continue;
    const tool = str(d.tool_name) ?? str(d.tool) ?? 'unknown';
    const id = str(d.tool_use_id);
    out.push({ tool, input: summarizeClaudeToolInput(tool, d.tool_input), ...(id !== undefined ? { id } : {}) });
  }
  return out;
}

/** Synthetic API-error codes (§1.3 "API failures") → failure class; undefined means "read the text". */
function classifyApiErrorCode(code: string | undefined): AgentFailure['class'] | undefined {
  switch (code) {
    case 'rate_limit':
      return 'rate_limit';
    case 'server_error':
    case 'overloaded_error':
    case 'api_error':
    case 'authentication_failed':
    case 'billing_error':
    case 'oauth_org_not_allowed':
      return 'provider_error';
    default:
      return undefined; // invalid_request (maybe "prompt is too long"), unknown, …
  }
}

const exitReason = (exitCode: number | null): string => describeExit('claude', exitCode);

class ClaudeStreamParser implements StreamParser {
  private readonly usageIds = new Set<string>();
  private readonly toolIds = new Set<string>();
  /** Tool calls seen, by id: a refusal that arrives as a tool_result is reported with the call's input. */
  private readonly calls = new Map<string, { name: string; input: ToolInputSummary }>();
  /** Refusals seen as tool results, by id (a denied bare tool is removed from the session: no permission_denials entry). */
  private readonly refused = new Map<string, PermissionDenial>();
  private readonly callSum: UsageTotals = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
  private result: ResultEvent | undefined;
  private apiError: { code?: string; text: string } | undefined;
  private rateLimitRejected = false;
  private sessionId: string | undefined;
  private mainModel: string | undefined;

  push(line: string): AdapterEvent[] {
    return parseJsonLines(line).flatMap((obj) => this.event(obj));
  }

  private event(obj: JsonObject): AdapterEvent[] {
    this.sessionId ??= str(obj.session_id);
    switch (obj.type) {
      case 'system':
        return this.system(obj);
      case 'assistant':
        return this.assistant(obj);
      case 'user':
        return this.user(obj);
      case 'result':
        return this.resultLine(obj);
      case 'rate_limit_event':
        if (isObject(obj.rate_limit_info) && obj.rate_limit_info.status === 'rejected') this.rateLimitRejected = true;
        return [];
      default:
        return []; // stream_event, future types
    }
  }

  private system(obj: JsonObject): AdapterEvent[] {
    if (obj.subtype === 'init') {
      const model = str(obj.model);
      this.mainModel = model ?? this.mainModel;
      const event: InitEvent = { kind: 'init', tools: arr(obj.tools).filter((t): t is string => typeof t === 'string') };
      if (model !== undefined) event.model = model;
      const cwd = str(obj.cwd);
      if (cwd !== undefined) event.cwd = cwd;
      const version = str(obj.claude_code_version);
      if (version !== undefined) event.version = version;
      const sessionId = str(obj.session_id);
      if (sessionId !== undefined) event.sessionId = sessionId;
      const mode = str(obj.permissionMode);
      if (mode !== undefined) event.permissionMode = mode;
      return [event];
    }
    if (obj.subtype === 'compact_boundary') {
      const meta = isObject(obj.compact_metadata) ? obj.compact_metadata : {};
      const trigger = str(meta.trigger);
      const preTokens = num(meta.pre_tokens);
      return [
        { kind: 'compaction', ...(trigger !== undefined ? { trigger } : {}), ...(preTokens !== undefined ? { preTokens } : {}) },
      ];
    }
    return [];
  }

  private assistant(obj: JsonObject): AdapterEvent[] {
    const message = isObject(obj.message) ? obj.message : undefined;
    if (!message) return [];
    const parentId = str(obj.parent_tool_use_id);
    const parent = parentId !== undefined ? { parentId } : {};
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : arr(message.content);

    // A synthetic API-error message (§1.3 "API failures"): an error, not model output.
    if (obj.is_api_error_message === true || typeof obj.error === 'string') {
      const text = blocks
        .filter(isObject)
        .map((b) => (b.type === 'text' ? str(b.text) : undefined))
        .filter((t): t is string => t !== undefined)
        .join('\n');
      const code = str(obj.error);
      this.apiError = { text, ...(code !== undefined ? { code } : {}) };
      return [{ kind: 'error', message: truncate(text || code || 'API error', TOOL_RESULT_MAX), ...(code !== undefined ? { code } : {}) }];
    }

    const events: AdapterEvent[] = [];
    const model = str(message.model);
    // One API message arrives as several lines (one per content block) repeating the same usage: emit it once per
    // message.id, never sum the lines (§1.3 "live context").
    const messageId = str(message.id);
    if (isObject(message.usage) && model !== '<synthetic>' && (messageId === undefined || !this.usageIds.has(messageId))) {
      if (messageId !== undefined) this.usageIds.add(messageId);
      const usage = usageOf(message.usage);
      this.callSum.inputTokens += usage.inputTokens;
      this.callSum.outputTokens += usage.outputTokens;
      this.callSum.cacheReadTokens += usage.cacheReadTokens;
      this.callSum.cacheCreationTokens += usage.cacheCreationTokens;
      const event: UsageEvent = { kind: 'usage', ...(messageId !== undefined ? { messageId } : {}), ...usage };
      const window = windowFromModelName(this.mainModel ?? model);
      if (window !== undefined) event.contextWindow = window;
      if (model !== undefined) event.model = model;
      Object.assign(event, parent);
      events.push(event);
    }
    // Every block of every line, not only the first (§7 "Avoid").
    for (const block of blocks) {
      if (!isObject(block)) continue;
      if (block.type === 'text') {
        const text = str(block.text);
        if (text !== undefined && text !== '') events.push({ kind: 'text', text, ...parent });
      } else if (block.type === 'tool_use') {
        const id = str(block.id);
        const name = str(block.name) ?? 'unknown';
        if (id === undefined || this.toolIds.has(id)) continue;
        this.toolIds.add(id);
        const input = summarizeClaudeToolInput(name, block.input);
        this.calls.set(id, { name, input });
        events.push({ kind: 'tool_call', id, name, input, ...parent });
      }
      // thinking, redacted_thinking, server_tool_use, …: not part of the event model.
    }
    return events;
  }

  private user(obj: JsonObject): AdapterEvent[] {
    const message = isObject(obj.message) ? obj.message : undefined;
    if (!message) return [];
    const parentId = str(obj.parent_tool_use_id);
    const events: AdapterEvent[] = [];
    for (const block of arr(message.content)) {
      if (!isObject(block) || block.type !== 'tool_result') continue;
      const id = str(block.tool_use_id);
      if (id === undefined) continue;
      const text = truncate(toolResultText(block.content), TOOL_RESULT_MAX);
      events.push({
        kind: 'tool_result',
        id,
        isError: block.is_error === true,
        text,
        ...(parentId !== undefined ? { parentId } : {}),
      });
      const call = this.calls.get(id);
      if (block.is_error === true && call && REFUSAL.test(text) && !this.refused.has(id)) {
        const denial: PermissionDenial = { tool: call.name, input: call.input, id };
        this.refused.set(id, denial);
        events.push({ kind: 'permission_denial', ...denial });
      }
    }
    return events;
  }

  private resultLine(obj: JsonObject): AdapterEvent[] {
    const listed = denialsOf(obj.permission_denials);
    const fresh = listed.filter((d) => d.id === undefined || !this.refused.has(d.id));
    const denials = [...this.refused.values(), ...fresh];
    const result: ResultEvent = {
      kind: 'result',
      isError: obj.is_error === true,
      permissionDenials: denials,
      errors: errorStrings(obj.errors),
    };
    const subtype = str(obj.subtype);
    if (subtype !== undefined) result.subtype = subtype;
    const text = str(obj.result);
    if (text !== undefined) result.text = text;
    const numTurns = num(obj.num_turns);
    if (numTurns !== undefined) result.numTurns = numTurns;
    const durationMs = num(obj.duration_ms);
    if (durationMs !== undefined) result.durationMs = durationMs;
    const cost = num(obj.total_cost_usd);
    if (cost !== undefined) result.totalCostUsd = cost;
    const terminalReason = str(obj.terminal_reason);
    if (terminalReason !== undefined) result.terminalReason = terminalReason;
    const status = num(obj.api_error_status);
    if (status !== undefined && Number.isInteger(status)) result.apiErrorStatus = status;
    if (isObject(obj.usage)) result.usage = usageOf(obj.usage);
    const window = contextWindowOf(obj.modelUsage, this.mainModel) ?? windowFromModelName(this.mainModel);
    if (window !== undefined) result.contextWindow = window;
    this.result = result;
    return [...fresh.map((d): AdapterEvent => ({ kind: 'permission_denial', ...d })), result];
  }

  finish(exitCode: number | null): AgentOutcome {
    const r = this.result;
    const outcome: AgentOutcome = {
      ok: true,
      usage: r?.usage ?? { ...this.callSum },
      toolCalls: this.toolIds.size,
      permissionDenials: r?.permissionDenials ?? [...this.refused.values()],
    };
    if (this.sessionId !== undefined) outcome.sessionId = this.sessionId;
    if (r?.numTurns !== undefined) outcome.numTurns = r.numTurns;
    if (r?.durationMs !== undefined) outcome.durationMs = r.durationMs;
    if (r?.totalCostUsd !== undefined) outcome.totalCostUsd = r.totalCostUsd;
    if (r?.contextWindow !== undefined) outcome.contextWindow = r.contextWindow;

    // Failed if exit ≠ 0, or result.is_error, or no result line (§1.4 "Exit codes"). Decide from is_error and
    // terminal_reason, never from subtype: an API error arrives as subtype "success" with is_error true (§1.3).
    let failure: AgentFailure | undefined;
    if (!r) {
      const byApi = this.apiError ? this.classifyApiError() : undefined;
      failure = byApi
        ? { class: byApi.class, reason: `${byApi.reason} (no result line; ${exitReason(exitCode)})` }
        : { class: 'exit', reason: `${exitReason(exitCode)} without a result line` };
    } else if (r.isError || r.terminalReason === 'api_error') {
      failure = this.classifyResult(r, exitCode);
    } else if (exitCode !== 0) {
      failure = { class: 'exit', reason: `${exitReason(exitCode)} after a successful result` };
    } else if (r.text !== undefined) {
      outcome.finalText = r.text;
    }
    return applyFailure(outcome, failure);
  }

  private classifyApiError(): AgentFailure | undefined {
    const e = this.apiError;
    if (!e) return undefined;
    const cls = classifyApiErrorCode(e.code) ?? classifyErrorText(e.text) ?? (this.rateLimitRejected ? 'rate_limit' : 'provider_error');
    return { class: cls, reason: `API error${e.code !== undefined ? ` (${e.code})` : ''}: ${e.text}` };
  }

  /** Structured fields first (status, subtype/terminal_reason, synthetic error code), text last (§7). */
  private classifyResult(r: ResultEvent, exitCode: number | null): AgentFailure {
    const texts = [...r.errors, ...(r.text !== undefined ? [r.text] : []), ...(this.apiError ? [this.apiError.text] : [])];
    const detail = unique(texts.filter((t) => t !== '')).join(' | ');
    const what = [
      r.subtype !== undefined ? `subtype ${r.subtype}` : undefined,
      r.terminalReason !== undefined ? `terminal_reason ${r.terminalReason}` : undefined,
      r.apiErrorStatus !== undefined ? `API status ${r.apiErrorStatus}` : undefined,
      exitCode !== 0 ? exitReason(exitCode) : undefined,
    ]
      .filter((s): s is string => s !== undefined)
      .join(', ');
    const reason = `claude reported an error (${what})${detail !== '' ? `: ${detail}` : ''}`;

    const byStatus = r.apiErrorStatus !== undefined ? classifyHttpStatus(r.apiErrorStatus) : undefined;
    if (byStatus) return { class: byStatus, reason };
    // Wave's classifier treats max turns as context exhaustion (§1.5 errors.go ClassifyFailure).
    if (r.subtype === 'error_max_turns' || r.terminalReason === 'max_turns') return { class: 'context_exhausted', reason };
    const byCode = classifyApiErrorCode(this.apiError?.code);
    if (byCode) return { class: byCode, reason };
    const byText = classifyErrorText(detail);
    if (byText) return { class: byText, reason };
    if (this.rateLimitRejected) return { class: 'rate_limit', reason };
    if (r.terminalReason === 'api_error' || r.apiErrorStatus !== undefined || this.apiError) {
      return { class: 'provider_error', reason };
    }
    return { class: 'unknown', reason };
  }
}

export function createClaudeParser(): StreamParser {
  return new ClaudeStreamParser();
}

export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  provider: 'anthropic',
  binary: CLAUDE_BINARY,
  invocation: claudeInvocation,
  createParser: createClaudeParser,
};
