// The OpenCode adapter: headless invocation (agent-clis.md §2.1), the per-step config with the permission projection
// (§2.2), and the `run --format json` parser (§2.3, §2.5, §5). Pure: no Docker, no engine. What this file relies on
// was checked against the pinned 1.18.33 binary (test/e2e/opencode.test.ts): `run` reads the prompt from stdin when
// it is not a TTY, rejects every permission "ask" without --auto, and writes no `done` line.
import { posix } from 'node:path';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { checkStepInput, gatewayUrl, invalidInputOf } from './invocation-checks.js';
import { parsePersonaRule, personaRuleLists } from './rules.js';
import type {
  AdapterEvent,
  AgentAdapter,
  AgentFailure,
  AgentInvocation,
  AgentInvocationInput,
  AgentOutcome,
  AgentPermissions,
  AgentProvider,
  PermissionDenial,
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

export const OPENCODE_BINARY = 'opencode';
/** The per-step primary agent named with --agent; its prompt is the step's instructions. */
export const OPENCODE_AGENT = 'wave';
export const OPENCODE_INSTRUCTIONS_FILE = 'instructions.md';

const invalid = invalidInputOf('opencode');

// ---------------------------------------------------------------------------------------------------------------
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
  'name the model as provider/model, e.g. --model "anthropic/claude-sonnet-4-5" (providers: anthropic, openai, google, openai-compatible)';

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

// ---------------------------------------------------------------------------------------------------------------
// Permission projection: persona syntax → OpenCode's `permission` block.
//
// OpenCode flattens the block into rules in insertion order ({key: action} is {key: {"*": action}}) and the LAST
// rule whose key and pattern both match decides; a tool whose last matching rule is `{"*": deny}` is removed from
// the tool list altogether. Patterns are anchored, `*` matches any text including `/`, and a trailing ` *` also
// matches nothing (`git log *` matches `git log`). Without `--auto`, `run` rejects every "ask", so nothing here is
// ever asked. The container and the read-only mounts stay the real boundary; these rules are a second layer.
//
//  O1  `"*"` comes first: allow when allowed_tools holds `*` (and deny does not), else deny. Everything not
//      allowed below is therefore denied.
//  O2  Persona tool → OpenCode permission keys: Read → read, grep, glob, list (the read-only tools); Glob → glob;
//      Grep → grep; LS/List → list; Bash → bash; Write, Edit, MultiEdit, NotebookEdit, Patch → edit (OpenCode's
//      edit covers write, edit and apply_patch); WebFetch → webfetch; WebSearch → websearch; Task → task;
//      TodoWrite/TodoRead → todowrite/todoread; Skill → skill; `mcp__srv__tool` → `srv_tool` (`mcp__srv` → `srv_*`).
//      A lowercase name is taken as an OpenCode key already; anything else passes through unchanged.
//  O3  Bash specs are command patterns and pass through (`git log*`); Claude's legacy `npm test:*` becomes
//      `npm test *`. `Bash(*)` and `Bash()` are the bare tool.
//  O4  Path specs (edit, read): OpenCode matches edit and read rules against the path relative to the worktree.
//      Wave's source snapshot has no .git, so the worktree is `/` and `/wave/out/x` is matched as `wave/out/x`;
//      the absolute form is listed too. A trailing `/` means everything under it (`/*`).
//  O5  A key's rules: `"*"` first (the key's bare action: allow if the bare tool is allowed, deny if it is denied,
//      else the O1 default), then every allowed pattern, then every denied pattern, so deny beats allow. A key
//      with nothing but its bare action is written as a plain string.
//  O6  external_directory (paths outside the source, for every tool): /wave/out, /wave/in and /tmp are allowed,
//      everything else follows O1.
//  O7  `*` in deny denies everything: no allow rule is written.
//  O8  `invalid` is always allowed: it is not a tool but how OpenCode answers a call it cannot run (a malformed
//      call, or a tool the rules removed) with an error the model can read. Denied, such a call fails with "Model
//      tried to call unavailable tool 'invalid'", which tells the model nothing.

export type OpencodeAction = 'allow' | 'deny';
export type OpencodePermission = Record<string, OpencodeAction | Record<string, OpencodeAction>>;

const KEYS_OF: Readonly<Record<string, readonly string[]>> = {
  Read: ['read', 'grep', 'glob', 'list'],
  Glob: ['glob'],
  Grep: ['grep'],
  LS: ['list'],
  List: ['list'],
  Bash: ['bash'],
  Write: ['edit'],
  Edit: ['edit'],
  MultiEdit: ['edit'],
  NotebookEdit: ['edit'],
  Patch: ['edit'],
  WebFetch: ['webfetch'],
  WebSearch: ['websearch'],
  Task: ['task'],
  TodoWrite: ['todowrite'],
  TodoRead: ['todoread'],
  Skill: ['skill'],
};

/** Keys whose patterns are file paths (O4); the others take their specs verbatim. */
const PATH_KEYS = new Set(['edit', 'read']);

interface Rule {
  key: string;
  /** undefined: the bare tool. */
  pattern?: string;
}

function keysOf(tool: string): string[] {
  const known = KEYS_OF[tool];
  if (known) return [...known];
  const mcp = /^mcp__([^_][\s\S]*?)(?:__([\s\S]+))?$/.exec(tool);
  if (mcp) return [`${mcp[1]}_${mcp[2] ?? '*'}`];
  return [tool];
}

function pathPatterns(spec: string): string[] {
  let path = spec;
  if (path.endsWith('/') && path.length > 1) path = `${path}*`;
  if (!path.startsWith('/')) return [path];
  return unique([path.replace(/^\/+/, ''), path]);
}

function bashPattern(spec: string): string {
  return spec.endsWith(':*') ? `${spec.slice(0, -2)} *` : spec;
}

/** One persona rule → OpenCode rules (O2-O4). `*` alone is handled by projectOpencodePermissions (O1, O7). */
export function projectOpencodeRule(entry: string): Rule[] {
  if (entry.trim() === '') return [];
  const { tool, spec } = parsePersonaRule(entry);
  const keys = keysOf(tool);
  if (spec === undefined) return keys.map((key) => ({ key }));
  return keys.flatMap((key): Rule[] => {
    if (key === 'bash') return [{ key, pattern: bashPattern(spec) }];
    if (PATH_KEYS.has(key)) return pathPatterns(spec).map((pattern) => ({ key, pattern }));
    if (key === 'webfetch' && spec.startsWith('domain:')) {
      const host = spec.slice('domain:'.length);
      return [`https://${host}`, `https://${host}/*`, `http://${host}`, `http://${host}/*`].map((pattern) => ({ key, pattern }));
    }
    // grep, glob and list match their own argument (a regex, a glob), not a path: a path spec cannot narrow them,
    // so Read(path) grants only `read` for that path.
    if (key === 'grep' || key === 'glob' || key === 'list') return [];
    return [{ key, pattern: spec }];
  });
}

/** Directories outside the source every step may touch (O6). */
export function opencodeExternalDirectories(paths: { out: string; in: string }): string[] {
  return [`${paths.out}/**`, `${paths.in}/**`, '/tmp/**'];
}

export function projectOpencodePermissions(
  permissions: AgentPermissions,
  paths: { out: string; in: string } = SANDBOX_PATHS,
): OpencodePermission {
  const { allowed, denied } = personaRuleLists(permissions);
  const denyAll = denied.includes('*');
  const base: OpencodeAction = allowed.includes('*') && !denyAll ? 'allow' : 'deny';
  const allowRules = denyAll || base === 'allow' ? [] : allowed.filter((r) => r !== '*').flatMap(projectOpencodeRule);
  // Projected even when `*` is denied, so an invalid rule is reported either way.
  const denyRules = denied.filter((r) => r !== '*').flatMap(projectOpencodeRule);

  const keys = unique([...allowRules, ...denyRules].map((r) => r.key));
  const out: OpencodePermission = { '*': base };
  for (const key of keys) {
    const bareDenied = denyRules.some((r) => r.key === key && r.pattern === undefined);
    if (bareDenied) {
      out[key] = 'deny';
      continue;
    }
    const bareAllowed = allowRules.some((r) => r.key === key && r.pattern === undefined);
    const bare: OpencodeAction = bareAllowed ? 'allow' : base;
    const patterns: Record<string, OpencodeAction> = { '*': bare };
    for (const r of allowRules) if (r.key === key && r.pattern !== undefined && r.pattern !== '*') patterns[r.pattern] = 'allow';
    for (const r of denyRules) {
      if (r.key !== key || r.pattern === undefined || r.pattern === '*') continue;
      // Re-inserting moves a pattern behind the allows: deny beats allow (O5).
      delete patterns[r.pattern];
      patterns[r.pattern] = 'deny';
    }
    out[key] = Object.keys(patterns).length === 1 ? bare : patterns;
  }
  const external: Record<string, OpencodeAction> = { '*': base };
  for (const dir of opencodeExternalDirectories(paths)) external[dir] = 'allow';
  out.external_directory = external;
  out.invalid = 'allow'; // O8
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Invocation (§2.1, §2.2, §2.4).

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

/** The inline config (OPENCODE_CONFIG_CONTENT): applied over the (empty) global config; nothing is written to the source. */
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
        // Replaces OpenCode's provider prompt; `{file:…}` is read when the config loads (§0.1: no file in the source).
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

// ---------------------------------------------------------------------------------------------------------------
// Stream parser (§2.3, §2.5, §5).

/** Tool input summaries for the audit trace. OpenCode's input keys are camelCase. */
export function summarizeOpencodeToolInput(name: string, input: unknown): ToolInputSummary {
  if (!isObject(input)) return jsonSummary(input);
  switch (name) {
    case 'write':
      return fileWriteSummary(input.filePath, input.content, 'filePath');
    case 'edit':
      return fileWriteSummary(input.filePath, input.newString, 'filePath');
    case 'apply_patch':
    case 'patch': {
      const text = input.patchText ?? input.patch;
      return { content_length: typeof text === 'string' ? text.length : 0 };
    }
    case 'bash':
      return commandSummary(input.command);
    default:
      return jsonSummary(input);
  }
}

/**
 * How OpenCode 1.18.33 words a refused call in the tool's error: a `deny` rule ("The user has specified a rule
 * which prevents you from using this specific tool call…"), an ask that `run` rejected ("The user rejected
 * permission to use this specific tool call"), or a tool the rules removed from the session that the model called
 * anyway ("Model tried to call unavailable tool 'bash'…", through the `invalid` tool). Checked against the real
 * binary (test/e2e/opencode.test.ts). A tool that merely failed ("File not found: …") is no refusal.
 */
const REFUSAL = /prevents you from using this specific tool call|rejected permission to use this specific tool call|unavailable tool '/i;

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (!isObject(error)) return 'unknown error';
  const data = isObject(error.data) ? error.data : {};
  return str(data.message) ?? str(error.message) ?? str(error.name) ?? 'unknown error';
}

function statusOf(error: unknown): number | undefined {
  if (!isObject(error) || !isObject(error.data)) return undefined;
  const status = num(error.data.statusCode) ?? num(error.data.status);
  return status !== undefined && Number.isInteger(status) ? status : undefined;
}

const exitReason = (exitCode: number | null): string => describeExit('opencode', exitCode);

class OpencodeStreamParser implements StreamParser {
  private readonly toolIds = new Set<string>();
  private readonly denials: PermissionDenial[] = [];
  private readonly deniedIds = new Set<string>();
  /** Completed text parts by message id, in order: the final answer is the last stopped message's text. */
  private readonly texts = new Map<string, string[]>();
  private readonly usage: UsageTotals = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
  private readonly errors: { text: string; name?: string; status?: number }[] = [];
  /** Error texts from the CLI's own log on stderr (see pushStderr). */
  private readonly logErrors: string[] = [];
  private sessionId: string | undefined;
  private started = false;
  private steps = 0;
  private cost = 0;
  private finalText: string | undefined;
  private lastText: string | undefined;

  push(line: string): AdapterEvent[] {
    return parseJsonLines(line).flatMap((obj) => this.event(obj));
  }

  private event(obj: JsonObject): AdapterEvent[] {
    this.sessionId ??= str(obj.sessionID);
    const part = isObject(obj.part) ? obj.part : undefined;
    switch (obj.type) {
      case 'step_start':
        return this.stepStart(obj);
      case 'tool_use':
        return part ? this.toolUse(part) : [];
      case 'text':
        return part ? this.text(part) : [];
      case 'step_finish':
        return part ? this.stepFinish(part) : [];
      case 'error':
        return this.error(obj.error);
      case 'done':
        return this.done(obj);
      default:
        return []; // reasoning (only with --thinking), future types
    }
  }

  private stepStart(obj: JsonObject): AdapterEvent[] {
    if (this.started) return [];
    this.started = true;
    const sessionId = str(obj.sessionID);
    return [{ kind: 'init', tools: [], ...(sessionId !== undefined ? { sessionId } : {}) }];
  }

  private toolUse(part: JsonObject): AdapterEvent[] {
    const id = str(part.callID) ?? str(part.id);
    const state = isObject(part.state) ? part.state : {};
    const status = str(state.status);
    // `run` only writes finished calls; a running one (future versions) is not a result yet.
    if (id === undefined || this.toolIds.has(id) || (status !== 'completed' && status !== 'error')) return [];
    this.toolIds.add(id);
    const tool = str(part.tool) ?? 'unknown';
    const rawInput = isObject(state.input) ? state.input : {};
    // OpenCode rewrites a call it cannot run (a malformed call, a tool removed by the rules) into its `invalid`
    // tool, input {tool, error}, which "completes" with an error text for the model: a failed call of that tool.
    const repaired = tool === 'invalid' && typeof rawInput.tool === 'string';
    const name = repaired ? (rawInput.tool as string) : tool;
    const input = repaired ? {} : summarizeOpencodeToolInput(name, state.input);
    const isError = status === 'error' || repaired;
    const text = truncate(
      status === 'error' ? (str(state.error) ?? 'error') : repaired ? (str(rawInput.error) ?? str(state.output) ?? 'invalid tool call') : (str(state.output) ?? ''),
      TOOL_RESULT_MAX,
    );
    const events: AdapterEvent[] = [
      { kind: 'tool_call', id, name, input },
      { kind: 'tool_result', id, isError, text },
    ];
    if (isError && REFUSAL.test(text)) {
      const denial: PermissionDenial = { tool: name, input, id };
      this.denials.push(denial);
      this.deniedIds.add(id);
      events.push({ kind: 'permission_denial', ...denial });
    }
    return events;
  }

  private text(part: JsonObject): AdapterEvent[] {
    const text = str(part.text);
    if (text === undefined || text === '') return [];
    const messageId = str(part.messageID) ?? '';
    const list = this.texts.get(messageId) ?? [];
    list.push(text);
    this.texts.set(messageId, list);
    this.lastText = text;
    return [{ kind: 'text', text }];
  }

  private stepFinish(part: JsonObject): AdapterEvent[] {
    this.steps += 1;
    this.cost += num(part.cost) ?? 0;
    const messageId = str(part.messageID);
    if (part.reason === 'stop') {
      // The stopped message's own text parts; a stop without text (or a line without ids) falls back to the last
      // text of the run.
      const texts = this.texts.get(messageId ?? '');
      this.finalText = texts ? texts.join('\n') : this.lastText;
    }
    const tokens = isObject(part.tokens) ? part.tokens : undefined;
    if (!tokens) return [];
    const cache = isObject(tokens.cache) ? tokens.cache : {};
    const call: UsageTotals = {
      inputTokens: num(tokens.input) ?? 0,
      outputTokens: num(tokens.output) ?? 0,
      cacheReadTokens: num(cache.read) ?? 0,
      cacheCreationTokens: num(cache.write) ?? 0,
    };
    this.usage.inputTokens += call.inputTokens;
    this.usage.outputTokens += call.outputTokens;
    this.usage.cacheReadTokens += call.cacheReadTokens;
    this.usage.cacheCreationTokens += call.cacheCreationTokens;
    const reasoning = num(tokens.reasoning);
    return [
      {
        kind: 'usage',
        ...call,
        ...(messageId !== undefined ? { messageId } : {}),
        ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
      },
    ];
  }

  private error(error: unknown): AdapterEvent[] {
    const text = truncate(errorText(error), TOOL_RESULT_MAX);
    const name = isObject(error) ? str(error.name) : undefined;
    const status = statusOf(error);
    this.errors.push({ text, ...(name !== undefined ? { name } : {}), ...(status !== undefined ? { status } : {}) });
    return [{ kind: 'error', message: text, ...(name !== undefined ? { code: name } : {}) }];
  }

  /** `done` is in newer sources (§2.3) but not written by 1.18.33: its `rejected` list names refused tools. */
  private done(obj: JsonObject): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    for (const entry of arr(obj.rejected)) {
      const tool = typeof entry === 'string' ? entry : isObject(entry) ? (str(entry.permission) ?? str(entry.tool)) : undefined;
      if (tool === undefined) continue;
      const id = isObject(entry) ? str(entry.callID) : undefined;
      if (id !== undefined && this.deniedIds.has(id)) continue;
      // A bare name also answers one of the refused calls already reported: count it once.
      if (id === undefined && this.denials.some((d) => d.tool === tool)) continue;
      const denial: PermissionDenial = { tool, input: {}, ...(id !== undefined ? { id } : {}) };
      this.denials.push(denial);
      events.push({ kind: 'permission_denial', ...denial });
    }
    return events;
  }

  /** `--print-logs --log-level ERROR` lines: kept to explain an error the JSON stream only calls UnknownError. */
  pushStderr(line: string): AdapterEvent[] {
    if (!line.includes('level=ERROR')) return [];
    const m = /\berror="((?:[^"\\]|\\.)*)"/.exec(line) ?? /\berror=(\S+)/.exec(line);
    const text = m?.[1]?.replace(/\\(.)/g, '$1');
    if (text !== undefined && !this.logErrors.includes(text) && this.logErrors.length < 5) this.logErrors.push(text);
    return [];
  }

  finish(exitCode: number | null): AgentOutcome {
    const outcome: AgentOutcome = {
      ok: true,
      usage: { ...this.usage },
      toolCalls: this.toolIds.size,
      permissionDenials: [...this.denials],
      numTurns: this.steps,
    };
    if (this.sessionId !== undefined) outcome.sessionId = this.sessionId;
    if (this.steps > 0) outcome.totalCostUsd = this.cost;

    // 0: the session went idle (also after refused tools); 1: a session or prompt error; killed: no code (§2.4).
    let failure: AgentFailure | undefined;
    if (this.errors.length > 0) failure = this.classifyErrors(exitCode);
    else if (exitCode !== 0) failure = { class: 'exit', reason: exitReason(exitCode) };
    else if (this.steps === 0) failure = { class: 'exit', reason: 'opencode exited 0 without a single model step' };
    else if (this.finalText !== undefined) outcome.finalText = this.finalText;
    return applyFailure(outcome, failure);
  }

  /** The error lines' status (when the provider's reported it), then their names and texts (§7). */
  private classifyErrors(exitCode: number | null): AgentFailure {
    const texts = this.errors.map((e) => (e.name !== undefined && e.name !== e.text ? `${e.name}: ${e.text}` : e.text));
    if (this.errors.every((e) => e.name === 'UnknownError')) texts.push(...this.logErrors);
    const detail = unique(texts).join(' | ');
    const reason = `opencode reported an error (${exitReason(exitCode)}): ${detail}`;
    for (const e of this.errors) {
      if (e.status === undefined) continue;
      const byStatus = classifyErrorText(`status ${e.status}`);
      if (byStatus) return { class: byStatus, reason };
    }
    const byText = classifyErrorText(detail);
    if (byText) return { class: byText, reason };
    if (this.errors.some((e) => e.name === 'APIError' || e.name === 'ProviderAuthError')) return { class: 'provider_error', reason };
    if (this.errors.some((e) => e.name === 'ContextOverflowError')) return { class: 'context_exhausted', reason };
    return { class: 'unknown', reason };
  }
}

export function createOpencodeParser(): StreamParser {
  return new OpencodeStreamParser();
}

export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  provider: 'anthropic',
  providerFor: opencodeProviderFor,
  binary: OPENCODE_BINARY,
  invocation: opencodeInvocation,
  createParser: createOpencodeParser,
};
