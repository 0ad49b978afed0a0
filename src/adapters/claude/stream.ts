// Claude Code's stream-json output → AdapterEvents, and the verdict from the result line and the exit code
// (agent-clis.md §1.3, §1.5, §5). The mechanism (registry, usage, denials, outcome, classifier) is ../stream.
import type { FailureEvidence } from '../stream/classify.js';
import { arr, defined, int, isObject, num, str, type JsonObject } from '../stream/json.js';
import { classified, describeExit, failed, succeeded, type Verdict } from '../stream/outcome.js';
import { AgentStream, type OutcomeFigures } from '../stream/parser.js';
import { anyOf } from '../stream/patterns.js';
import { commandSummary, fileWriteSummary, summarizeInput, type InputSummaries } from '../stream/summary.js';
import { toolResult } from '../stream/tools.js';
import type {
  AdapterEvent,
  FailureClass,
  PermissionDenial,
  ResultEvent,
  StreamParser,
  ToolInputSummary,
  UsageTotals,
} from '../types.js';
import { unique } from '../unique.js';

/** Tool input summaries for the audit trace (which field shows what: §1.5 `extractToolTarget`). */
const INPUT_SUMMARIES: InputSummaries = new Map([
  ['Write', (input: JsonObject) => fileWriteSummary(input.file_path, input.content)],
  ['Edit', (input: JsonObject) => fileWriteSummary(input.file_path, input.new_string)],
  ['MultiEdit', multiEditSummary],
  ['NotebookEdit', (input: JsonObject) => fileWriteSummary(input.notebook_path, input.new_source, 'notebook_path')],
  ['Bash', (input: JsonObject) => commandSummary(input.command)],
]);

function multiEditSummary(input: JsonObject): ToolInputSummary {
  const edits = arr(input.edits).filter(isObject);
  const length = edits.reduce((n, e) => n + (typeof e.new_string === 'string' ? e.new_string.length : 0), 0);
  return { ...fileWriteSummary(input.file_path, undefined), content_length: length, edits: edits.length };
}

export function summarizeClaudeToolInput(name: string, input: unknown): ToolInputSummary {
  return summarizeInput(INPUT_SUMMARIES, name, input);
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
const REFUSAL = anyOf([
  /No such tool available|disabled for this session/,
  /permission to use .* (?:has been denied|haven't granted)/,
  /was denied by|denied by (?:the )?permission/,
]);

function denialsOf(value: unknown): PermissionDenial[] {
  const out: PermissionDenial[] = [];
  for (const d of arr(value)) {
    if (!isObject(d)) continue;
    const tool = str(d.tool_name) ?? str(d.tool) ?? 'unknown';
    out.push({ tool, input: summarizeClaudeToolInput(tool, d.tool_input), ...defined({ id: str(d.tool_use_id) }) });
  }
  return out;
}

/** Synthetic API-error codes (§1.3 "API failures") → failure class; undefined means "read the text". */
function apiErrorClass(code: string | undefined): FailureClass | undefined {
  switch (code) {
    case 'rate_limit':
      return 'rate_limit';
    case 'server_error':
    case 'overloaded_error':
    case 'api_error':
      return 'provider_error';
    case 'authentication_failed':
    case 'billing_error':
    case 'oauth_org_not_allowed':
      return 'auth';
    default:
      return undefined; // invalid_request (maybe "prompt is too long"), unknown, …
  }
}

const exitReason = (exitCode: number | null): string => describeExit('claude', exitCode);

class ClaudeStream extends AgentStream {
  private result: ResultEvent | undefined;
  /** The synthetic API-error message, when one came (§1.3 "API failures"). */
  private apiError: { code: string | undefined; text: string } | undefined;
  private rateLimitRejected = false;
  private mainModel: string | undefined;

  protected map(obj: JsonObject): AdapterEvent[] {
    this.noteSession(str(obj.session_id));
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
      const tools = arr(obj.tools).filter((t): t is string => typeof t === 'string');
      const fields = {
        model,
        cwd: str(obj.cwd),
        version: str(obj.claude_code_version),
        sessionId: str(obj.session_id),
        permissionMode: str(obj.permissionMode),
      };
      return [{ kind: 'init', tools, ...defined(fields) }];
    }
    if (obj.subtype === 'compact_boundary') {
      const meta = isObject(obj.compact_metadata) ? obj.compact_metadata : {};
      return [{ kind: 'compaction', ...defined({ trigger: str(meta.trigger), preTokens: num(meta.pre_tokens) }) }];
    }
    return [];
  }

  private assistant(obj: JsonObject): AdapterEvent[] {
    const message = isObject(obj.message) ? obj.message : undefined;
    if (!message) return [];
    const parentId = str(obj.parent_tool_use_id);
    const content = message.content;
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : arr(content);

    // A synthetic API-error message (§1.3 "API failures"): an error, not model output.
    if (obj.is_api_error_message === true || typeof obj.error === 'string') {
      const text = blocks
        .filter(isObject)
        .map((b) => (b.type === 'text' ? str(b.text) : undefined))
        .filter((t): t is string => t !== undefined)
        .join('\n');
      const code = str(obj.error);
      this.apiError = { code, text };
      return [this.errorEvent(text || code || 'API error', code)];
    }

    const events: AdapterEvent[] = [];
    const model = str(message.model);
    // One API message arrives as several lines (one per content block) repeating the same usage: emit it once per
    // message.id, never sum the lines (§1.3 "live context").
    const messageId = str(message.id);
    if (isObject(message.usage) && model !== '<synthetic>' && this.usage.firstOf(messageId)) {
      const contextWindow = windowFromModelName(this.mainModel ?? model);
      events.push(this.usage.call(usageOf(message.usage), { messageId, contextWindow, model, parentId }));
    }
    // Every block of every line, not only the first (§7 "Avoid").
    for (const block of blocks) {
      if (!isObject(block)) continue;
      if (block.type === 'text') {
        const text = str(block.text);
        if (text !== undefined && text !== '') events.push({ kind: 'text', text, ...defined({ parentId }) });
      } else if (block.type === 'tool_use') {
        const id = str(block.id);
        const name = str(block.name) ?? 'unknown';
        const input = summarizeClaudeToolInput(name, block.input);
        if (id !== undefined) events.push(...this.tools.call(id, name, input, parentId));
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
      const result = toolResult(id, block.is_error === true, toolResultText(block.content), parentId);
      events.push(result);
      // A denied bare tool is removed from the session: its refusal is only an error result, never in the list.
      const call = this.tools.get(id);
      if (result.isError && call && REFUSAL.test(result.text)) {
        events.push(...this.denials.add({ tool: call.name, input: call.input, id }));
      }
    }
    return events;
  }

  private resultLine(obj: JsonObject): AdapterEvent[] {
    const fresh = denialsOf(obj.permission_denials).flatMap((d) => this.denials.add(d));
    const result = this.resultEvent({
      isError: obj.is_error === true,
      errors: errorStrings(obj.errors),
      subtype: str(obj.subtype),
      text: str(obj.result),
      numTurns: num(obj.num_turns),
      durationMs: num(obj.duration_ms),
      totalCostUsd: num(obj.total_cost_usd),
      terminalReason: str(obj.terminal_reason),
      apiErrorStatus: int(obj.api_error_status),
      usage: isObject(obj.usage) ? usageOf(obj.usage) : undefined,
      contextWindow: contextWindowOf(obj.modelUsage, this.mainModel) ?? windowFromModelName(this.mainModel),
    });
    if (result.usage) this.usage.report(result.usage);
    this.result = result;
    return [...fresh, result];
  }

  protected override figures(): OutcomeFigures {
    const r = this.result;
    if (!r) return {};
    const { numTurns, durationMs, totalCostUsd, contextWindow } = r;
    return { numTurns, durationMs, totalCostUsd, contextWindow };
  }

  /**
   * Failed if exit ≠ 0, or result.is_error, or no result line (§1.4 "Exit codes"). Decided from is_error and
   * terminal_reason, never from subtype: an API error arrives as subtype "success" with is_error true (§1.3).
   */
  protected verdict(exitCode: number | null): Verdict {
    const r = this.result;
    if (!r && this.apiError) {
      const { code, text } = this.apiError;
      const what = `API error${code !== undefined ? ` (${code})` : ''}: ${text}`;
      return classified(this.evidence([text], 'provider_error'), `${what} (no result line; ${exitReason(exitCode)})`);
    }
    if (!r) return failed('exit', `${exitReason(exitCode)} without a result line`);
    if (r.isError || r.terminalReason === 'api_error') return this.resultFailure(r, exitCode);
    if (exitCode !== 0) return failed('exit', `${exitReason(exitCode)} after a successful result`);
    return succeeded(r.text);
  }

  private resultFailure(r: ResultEvent, exitCode: number | null): Verdict {
    const texts = unique([...r.errors, r.text ?? '', this.apiError?.text ?? ''].filter((t) => t !== ''));
    const what = [
      r.subtype !== undefined ? `subtype ${r.subtype}` : undefined,
      r.terminalReason !== undefined ? `terminal_reason ${r.terminalReason}` : undefined,
      r.apiErrorStatus !== undefined ? `API status ${r.apiErrorStatus}` : undefined,
      exitCode !== 0 ? exitReason(exitCode) : undefined,
    ].filter((s): s is string => s !== undefined);
    const reason = `claude reported an error (${what.join(', ')})${texts.length > 0 ? `: ${texts.join(' | ')}` : ''}`;
    const fromApi = r.terminalReason === 'api_error' || r.apiErrorStatus !== undefined || this.apiError !== undefined;
    // Wave's classifier treats max turns as context exhaustion (§1.5 errors.go ClassifyFailure).
    const maxTurns = r.subtype === 'error_max_turns' || r.terminalReason === 'max_turns';
    const evidence = this.evidence(texts, fromApi ? 'provider_error' : 'unknown');
    const reported = maxTurns ? 'context_exhausted' : evidence.reported;
    return classified({ ...evidence, reported, status: r.apiErrorStatus }, reason);
  }

  /** The synthetic error's code, then the texts, then a rejected rate_limit_event. */
  private evidence(texts: string[], otherwise: FailureClass): FailureEvidence {
    const hint = this.rateLimitRejected ? 'rate_limit' : undefined;
    return { reported: apiErrorClass(this.apiError?.code), texts, hint, otherwise };
  }
}

export function createClaudeParser(): StreamParser {
  return new ClaudeStream();
}
