// The `codex exec --json` output → AdapterEvents, and the verdict from the turn and the exit code (agent-clis.md
// §4.3, §4.4, §5), checked against the pinned 0.169. The mechanism (registry, usage, denials, outcome, classifier)
// is ../stream.
import { classifyFailure } from '../stream/classify.js';
import { arr, defined, isObject, num, str, type JsonObject } from '../stream/json.js';
import { classified, describeExit, failed, succeeded, type Verdict } from '../stream/outcome.js';
import { AgentStream } from '../stream/parser.js';
import { sequence } from '../stream/patterns.js';
import {
  commandSummary,
  jsonSummary,
  summarizeInput,
  truncate,
  TOOL_JSON_MAX,
  type InputSummaries,
} from '../stream/summary.js';
import { toolResult } from '../stream/tools.js';
import { usageEvent } from '../stream/usage.js';
import type { AdapterEvent, FailureClass, StreamParser, ToolInputSummary, UsageTotals } from '../types.js';
import { unique } from '../unique.js';

/** Codex item types that are tool calls, and the persona-vocabulary name each is reported under. */
const TOOL_ITEMS: Readonly<Record<string, string>> = {
  command_execution: 'Bash',
  file_change: 'Edit',
  mcp_tool_call: 'mcp',
  web_search: 'WebSearch',
};

function isToolItem(item: JsonObject): boolean {
  return typeof item.type === 'string' && Object.hasOwn(TOOL_ITEMS, item.type);
}

function toolName(item: JsonObject): string {
  const type = str(item.type) ?? '';
  if (type === 'mcp_tool_call') return `mcp__${str(item.server) ?? 'unknown'}__${str(item.tool) ?? 'unknown'}`;
  return TOOL_ITEMS[type] ?? type;
}

/** The audit summary of a tool item: the command, the changed paths (never a diff), the query, the MCP input. */
const ITEM_SUMMARIES: InputSummaries = new Map([
  ['command_execution', (item: JsonObject) => commandSummary(item.command)],
  ['file_change', fileChangeSummary],
  ['web_search', (item: JsonObject) => ({ query: truncate(str(item.query) ?? '', TOOL_JSON_MAX) })],
  ['mcp_tool_call', (item: JsonObject) => jsonSummary(item.arguments ?? null)],
]);

function fileChangeSummary(item: JsonObject): ToolInputSummary {
  const changes = arr(item.changes).filter(isObject);
  const paths = changes.map((c) => str(c.path)).filter((p): p is string => p !== undefined);
  const kinds = unique(changes.map((c) => str(c.kind)).filter((k): k is string => k !== undefined));
  return { file_path: truncate(paths.join(', '), TOOL_JSON_MAX), files: changes.length, kinds: kinds.join(',') };
}

export function summarizeCodexItem(item: JsonObject): ToolInputSummary {
  return summarizeInput(ITEM_SUMMARIES, str(item.type) ?? '', item);
}

function mcpResultText(result: unknown): string {
  if (!isObject(result)) return '';
  const parts: string[] = [];
  for (const block of arr(result.content)) {
    if (isObject(block) && typeof block.text === 'string') parts.push(block.text);
  }
  if (parts.length > 0) return parts.join('\n');
  return result.structured_content !== undefined ? JSON.stringify(result.structured_content) : '';
}

function itemResult(item: JsonObject): { isError: boolean; text: string } {
  const status = str(item.status);
  const exitCode = typeof item.exit_code === 'number' ? item.exit_code : undefined;
  const mcpError = isObject(item.error) ? (str(item.error.message) ?? 'error') : undefined;
  const failedCommand = exitCode !== undefined && exitCode !== 0;
  const isError = status === 'failed' || status === 'declined' || failedCommand || mcpError !== undefined;
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
  return { isError, text };
}

/**
 * turn.completed usage (0.169: input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens,
 * reasoning_output_tokens), summed over the turn's model calls. input_tokens counts every prompt token, cached
 * ones included, so the uncached part is what remains after the cache reads and writes.
 */
function usageOf(u: JsonObject): UsageTotals & { reasoningTokens: number | undefined } {
  const input = num(u.input_tokens) ?? 0;
  const cacheRead = num(u.cached_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_write_input_tokens) ?? 0;
  return {
    inputTokens: Math.max(0, input - cacheRead - cacheWrite),
    outputTokens: num(u.output_tokens) ?? 0,
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheWrite,
    reasoningTokens: num(u.reasoning_output_tokens),
  };
}

/** A turn failure's class: the shared classifier (which knows Codex's own wording); an API-side failure otherwise. */
export function classifyCodexError(text: string): FailureClass {
  return classifyFailure({ texts: [text], otherwise: 'provider_error' });
}

const exitReason = (exitCode: number | null): string =>
  describeExit('codex', exitCode, (code) => (code === 2 ? 'a command-line usage error' : undefined));

/** A refusal in Codex's stderr log: an unsupported (switched-off) tool, or a command an execpolicy rule rejected. */
const REFUSED_ON_STDERR = sequence([
  /codex_core::tools::router: error=/,
  /(?:unsupported call: ([\w.-]+)|([\w.-]+) failed: .*Rejected\(\\?"(?:`((?:[^`])*)`)?)/,
]);

class CodexStream extends AgentStream {
  private readonly errors: string[] = [];
  private lastText: string | undefined;
  private turnCompleted = false;
  private turnFailed: string | undefined;
  private stderrDenials = 0;

  protected map(obj: JsonObject): AdapterEvent[] {
    switch (obj.type) {
      case 'thread.started': {
        const sessionId = str(obj.thread_id);
        this.noteSession(sessionId);
        return [{ kind: 'init', tools: [], ...defined({ sessionId }) }];
      }
      case 'item.started':
      case 'item.updated':
        return isObject(obj.item) && isToolItem(obj.item) ? this.call(obj.item) : [];
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
        return [this.errorEvent(message)];
      }
      default:
        return []; // turn.started, item.plan.delta, request_user_input, future types
    }
  }

  private call(item: JsonObject): AdapterEvent[] {
    const id = str(item.id);
    return id === undefined ? [] : this.tools.call(id, toolName(item), summarizeCodexItem(item));
  }

  private itemCompleted(item: JsonObject): AdapterEvent[] {
    if (item.type === 'agent_message') {
      const text = str(item.text);
      if (text === undefined || text === '') return [];
      this.lastText = text;
      return [{ kind: 'text', text }];
    }
    if (!isToolItem(item)) return []; // reasoning, todo_list, non-fatal `error` items, …
    const id = str(item.id);
    if (id === undefined || !this.tools.end(id)) return [];
    const { isError, text } = itemResult(item);
    const events: AdapterEvent[] = [...this.call(item), toolResult(id, isError, text)];
    if (item.status === 'declined') {
      events.push(...this.denials.add({ tool: toolName(item), input: summarizeCodexItem(item), id }));
    }
    return events;
  }

  private turnDone(obj: JsonObject): AdapterEvent[] {
    this.turnCompleted = true;
    const events: AdapterEvent[] = [];
    if (isObject(obj.usage)) {
      const { reasoningTokens, ...usage } = usageOf(obj.usage);
      this.usage.report(usage);
      // Codex reports usage once, at the end, summed over the turn's model calls (§0.8, §4.3).
      events.push(usageEvent(usage, { reasoningTokens }));
    }
    events.push(this.resultEvent({ isError: false, errors: [], text: this.lastText, usage: this.usage.reported }));
    return events;
  }

  private turnFail(obj: JsonObject): AdapterEvent[] {
    const message = (isObject(obj.error) ? str(obj.error.message) : undefined) ?? 'turn failed';
    this.turnFailed = message;
    const result = this.resultEvent({ isError: true, text: message, errors: [message], usage: this.usage.reported });
    return [this.errorEvent(message), result];
  }

  /**
   * Codex 0.169 answers a refused call (shell tool switched off, a forbidden prefix rule) in the tool output it
   * sends the model and logs it on stderr, with no JSONL item: this line is the only trace the parser can see.
   *   ERROR codex_core::tools::router: error=unsupported call: exec_command
   *   ERROR codex_core::tools::router: error=exec_command failed:
   *     CreateProcess { message: "Rejected(\"`…` rejected: …\")" }
   */
  pushStderr(line: string): AdapterEvent[] {
    const m = REFUSED_ON_STDERR.exec(line);
    if (!m) return [];
    const tool = m[1] ?? m[2] ?? 'unknown';
    const command = m[3]?.replace(/\\"/g, '"');
    const input = command !== undefined ? commandSummary(command) : {};
    return this.denials.add({ tool, input, id: `stderr-${++this.stderrDenials}` });
  }

  /**
   * Exit codes (§4.4): 0 the turn completed; 1 an error or a failed turn; 2 a usage error. A failed turn decides the
   * class whatever the exit code says; top-level `error` lines alone do not (they also report retries).
   */
  protected verdict(exitCode: number | null): Verdict {
    if (this.turnFailed !== undefined) {
      return failed(classifyCodexError(this.turnFailed), `codex turn failed: ${this.turnFailed}`);
    }
    if (exitCode === 0 && this.turnCompleted) return succeeded(this.lastText);
    if (exitCode === 0) return failed('exit', 'codex exited with code 0 without turn.completed');
    const last = this.errors.at(-1);
    if (last === undefined || exitCode === null || exitCode === 137 || exitCode === 143 || exitCode === 2) {
      return failed('exit', exitReason(exitCode));
    }
    return classified({ texts: [last], otherwise: 'exit' }, `${exitReason(exitCode)}: ${last}`);
  }
}

export function createCodexParser(): StreamParser {
  return new CodexStream();
}
