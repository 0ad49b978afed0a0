// The adapter contract shared by the four agent CLIs (Claude Code, Codex, Gemini CLI, OpenCode).
//
// An adapter is pure: it turns a step's prompt, instructions, model and permissions into an invocation (argv, env,
// files, stdin) and turns the CLI's stdout lines into normalized events. It knows nothing of Docker, pipelines or
// the engine (DESIGN.md "One step, as data" 3 and 5; agent-clis.md §5).

import type { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import type { ProviderTool } from '../config/types.js';

export interface AgentPermissions {
  /** Persona syntax: `Read`, `Bash(git log*)`, `Write(/wave/out/*)`; `*` alone means every tool. */
  allowed_tools: string[];
  /** Persona syntax, as above. Deny always wins over allow. */
  deny: string[];
}

export interface AgentPaths {
  src: typeof SANDBOX_PATHS.src;
  in: typeof SANDBOX_PATHS.in;
  out: typeof SANDBOX_PATHS.out;
  /** Read-only folder where the adapter's `files` appear. */
  meta: typeof SANDBOX_PATHS.meta;
  /** The container's (tmpfs, writable) HOME. */
  home: string;
}

export interface AgentInvocationInput {
  /** The rendered step prompt. Always delivered on stdin, never on argv (agent-clis.md §0.7). */
  prompt: string;
  /** The step's full system-prompt text (base protocol, persona, contract and restriction sections). */
  instructions: string;
  /** The model name the CLI should ask for (already resolved from a tier). */
  model: string;
  permissions: AgentPermissions;
  paths: AgentPaths;
  /** Loopback base URL of the model gateway and the (placeholder) key the gateway replaces on the host. */
  gateway: { baseUrl: string; apiKey: string };
  /**
   * The provider's server-side tools the gateway forwards (persona sandbox.provider_tools; default none). A CLI
   * that would declare one in every request (Codex's web search) must be told not to, or every request is refused.
   */
  providerTools?: readonly ProviderTool[];
  maxTurns?: number;
}

export interface AgentInvocation {
  /** The full argv, program first. Holds no prompt text and no credential. */
  argv: string[];
  /** Exactly the variables the adapter sets; the sandbox adds its own (HOME, proxy, WAVE_*). */
  env: Record<string, string>;
  /** File name in /wave/meta → content. */
  files: Record<string, string>;
  /**
   * Path relative to the container's HOME → content: config files a CLI only reads from HOME (Codex rules, Gemini
   * policies). Placed into the tmpfs HOME at container start, over the image's seed (wave-entrypoint).
   */
  homeFiles?: Record<string, string>;
  stdin: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Events (agent-clis.md §5, adapted).

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** A tool call's input, summarized for the audit trace: never the full file content or an unbounded string. */
export type ToolInputSummary = Record<string, string | number | boolean>;

export interface PermissionDenial {
  tool: string;
  input: ToolInputSummary;
  /** The tool_use id the denial answered, when the CLI reports it. */
  id?: string;
}

export interface InitEvent {
  kind: 'init';
  model?: string;
  tools: string[];
  cwd?: string;
  version?: string;
  sessionId?: string;
  permissionMode?: string;
}

export interface ToolCallEvent {
  kind: 'tool_call';
  id: string;
  name: string;
  input: ToolInputSummary;
  /** Set when a subagent (Claude's Task tool) made the call: the tool_use id of the spawning call. */
  parentId?: string;
}

export interface ToolResultEvent {
  kind: 'tool_result';
  id: string;
  /** A failed tool call or a refused one (Claude reports permission denials as error results too). */
  isError: boolean;
  /** The result text, truncated to 2000 characters. */
  text: string;
  parentId?: string;
}

export interface TextEvent {
  kind: 'text';
  text: string;
  parentId?: string;
}

/**
 * Token usage of ONE model call (never a running total): emitted once per model message. For the live context
 * figure add input + cacheRead + cacheCreation (see contextTokens()).
 */
export interface UsageEvent extends UsageTotals {
  kind: 'usage';
  messageId?: string;
  /** Reasoning tokens where the CLI reports them separately (Codex, OpenCode). */
  reasoningTokens?: number;
  /** The context window, when known at this point of the run. */
  contextWindow?: number;
  model?: string;
  parentId?: string;
}

export interface PermissionDenialEvent extends PermissionDenial {
  kind: 'permission_denial';
}

export interface CompactionEvent {
  kind: 'compaction';
  trigger?: string;
  preTokens?: number;
}

export interface ResultEvent {
  kind: 'result';
  isError: boolean;
  /** The CLI's own result subtype (Claude: success | error_max_turns | …). Not a verdict on its own. */
  subtype?: string | undefined;
  /** The final answer on success; the error text(s) on failure, when the CLI gives any. */
  text?: string | undefined;
  numTurns?: number | undefined;
  durationMs?: number | undefined;
  totalCostUsd?: number | undefined;
  /** Claude's terminal_reason: completed | max_turns | api_error | … */
  terminalReason?: string | undefined;
  /** The HTTP status of a provider API error, when the CLI reports it. */
  apiErrorStatus?: number | undefined;
  /** Cumulative usage of the whole run. */
  usage?: UsageTotals | undefined;
  contextWindow?: number | undefined;
  permissionDenials: PermissionDenial[];
  errors: string[];
}

export interface ErrorEvent {
  kind: 'error';
  message: string;
  /** A machine-readable error code from the CLI (Claude: rate_limit, server_error, authentication_failed, …). */
  code?: string;
}

export type AdapterEvent =
  | InitEvent
  | ToolCallEvent
  | ToolResultEvent
  | TextEvent
  | UsageEvent
  | PermissionDenialEvent
  | CompactionEvent
  | ResultEvent
  | ErrorEvent;

// ---------------------------------------------------------------------------------------------------------------
// Outcome.

/**
 * Why an agent run failed, as far as its stream tells (a subset of the engine's FailureClass, which decides what is
 * retried). `auth`: the provider (or Wave's model gateway) refused the credentials, the account's billing or the
 * request's permission; another attempt is refused the same way.
 */
export type FailureClass = 'exit' | 'rate_limit' | 'provider_error' | 'auth' | 'context_exhausted' | 'unknown';

export interface AgentFailure {
  class: FailureClass;
  reason: string;
}

export interface AgentOutcome {
  ok: boolean;
  failure?: AgentFailure;
  finalText?: string;
  /** The CLI's cumulative totals; without a result line, the sum of the per-call usage seen. */
  usage: UsageTotals;
  /** Distinct tool calls seen (subagents' included). */
  toolCalls: number;
  permissionDenials: PermissionDenial[];
  numTurns?: number | undefined;
  durationMs?: number | undefined;
  totalCostUsd?: number | undefined;
  contextWindow?: number | undefined;
  sessionId?: string;
}

export interface StreamParser {
  /** One stdout line. Empty lines, non-JSON lines and unknown types or fields yield no events. */
  push(line: string): AdapterEvent[];
  /**
   * One stderr line, for CLIs that report something only there (Codex logs a refused tool call on stderr and
   * nothing on stdout). Optional; most CLIs' stderr is diagnostics only.
   */
  pushStderr?(line: string): AdapterEvent[];
  /** After the process ended: `null` when it was killed (timeout, cancel) and no exit code is known. */
  finish(exitCode: number | null): AgentOutcome;
}

export type AgentProvider = 'anthropic' | 'openai' | 'google';

export interface AgentAdapter {
  name: string;
  /** The provider whose API the CLI talks to by default. */
  provider: AgentProvider;
  /**
   * The provider a given model name talks to, for CLIs that speak to several (OpenCode's `provider/model`).
   * Throws a WaveError `manifest_invalid` for a model this adapter cannot route. Absent: always `provider`.
   */
  providerFor?(model: string): AgentProvider;
  binary: string;
  /**
   * The persona rules this CLI cannot refuse by its own mechanism (only the container's limits then apply), each
   * described for a validate-time warning, e.g. "Bash(git push*) (Codex has no per-command allow list)".
   * Absent or empty: every rule is enforced by the CLI as well.
   */
  unenforceable?(permissions: AgentPermissions): string[];
  invocation(input: AgentInvocationInput): AgentInvocation;
  createParser(): StreamParser;
}

/** Tokens in the model's context for one call: everything it read, cached or not. */
export function contextTokens(u: UsageTotals): number {
  return u.inputTokens + u.cacheReadTokens + u.cacheCreationTokens;
}
