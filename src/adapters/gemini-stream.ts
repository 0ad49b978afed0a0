// Gemini CLI's `-o stream-json` output → AdapterEvents, and the verdict from the result line and the exit code
// (agent-clis.md §3.3, §3.4, §5). Shapes and exit codes checked against the pinned 0.61.0; the lines in
// test/unit/adapters/gemini-parser.test.ts were captured from it.
import type {
  AdapterEvent,
  AgentFailure,
  AgentOutcome,
  PermissionDenial,
  ResultEvent,
  StreamParser,
  ToolInputSummary,
  UsageTotals,
} from './types.js';
import {
  applyFailure,
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
  type JsonObject,
} from './util.js';

/** Tool input summaries for the audit trace: paths and sizes, never file contents. */
export function summarizeGeminiToolInput(name: string, input: unknown): ToolInputSummary {
  if (!isObject(input)) return jsonSummary(input);
  switch (name) {
    case 'write_file':
      return fileWriteSummary(input.file_path, input.content);
    case 'replace':
      return fileWriteSummary(input.file_path, input.new_string);
    case 'run_shell_command':
      return commandSummary(input.command);
    default:
      return jsonSummary(input);
  }
}

/**
 * Error types of a tool_result that mean "the CLI refused the call": `policy_violation` (a deny rule with an args
 * pattern, or the catch-all) and `tool_not_registered` (a tool a deny rule removed from the session, called
 * anyway; also a tool that never existed, which the persona did not grant either).
 */
const REFUSAL_TYPES = new Set(['policy_violation', 'tool_not_registered']);

/**
 * Exit codes (§3.4; core/utils/errors.ts FatalError subclasses). An API error exits with its HTTP status, which the
 * OS truncates to 8 bits: 429 → 173, 500 → 244, 503 → 247 (checked on 0.61.0).
 */
const EXIT_MEANING: Readonly<Record<number, string>> = {
  1: 'general or API error',
  41: 'authentication failed',
  42: 'invalid input',
  44: 'sandbox error',
  52: 'configuration error',
  53: 'session turn limit reached',
  54: 'fatal tool error',
  55: 'untrusted workspace',
  130: 'cancelled',
};
const HTTP_STATUSES = [400, 401, 403, 404, 408, 409, 413, 429, 500, 501, 502, 503, 504, 529];

/** The HTTP status an exit code stands for, when it is one truncated to 8 bits (and no FatalError code). */
export function httpStatusOfExit(exitCode: number): number | undefined {
  if (EXIT_MEANING[exitCode] !== undefined) return undefined;
  return HTTP_STATUSES.find((s) => s % 256 === exitCode);
}

/** What an exit code means to the CLI: a FatalError code, else the HTTP status it stands for (neither is 137 or 143). */
function exitMeaning(exitCode: number): string | undefined {
  const meaning = EXIT_MEANING[exitCode];
  if (meaning !== undefined) return meaning;
  const status = httpStatusOfExit(exitCode);
  return status !== undefined ? `HTTP ${status} from the API` : undefined;
}

const exitReason = (exitCode: number | null): string => describeExit('gemini', exitCode, exitMeaning);

/** Google API status words (`{error:{code,message,status}}`) that the CLI puts into its error messages. */
function classifyGoogleStatus(text: string): AgentFailure['class'] | undefined {
  if (/input token count.*exceeds the maximum|exceeds the maximum number of tokens/i.test(text)) return 'context_exhausted';
  const code = /"code"\s*:\s*(\d{3})/.exec(text);
  if (code) {
    const byCode = classifyHttpStatus(Number(code[1]));
    if (byCode) return byCode;
  }
  if (/RESOURCE_EXHAUSTED|Resource has been exhausted|check quota/i.test(text)) return 'rate_limit';
  if (/\b(UNAVAILABLE|INTERNAL|DEADLINE_EXCEEDED)\b/.test(text)) return 'provider_error';
  return undefined;
}

function usageOf(stats: JsonObject): UsageTotals {
  const total = num(stats.input_tokens);
  const cached = num(stats.cached) ?? 0;
  // input_tokens counts the cached tokens too (input_tokens = cached + input, §3.3).
  return {
    inputTokens: total !== undefined ? Math.max(0, total - cached) : (num(stats.input) ?? 0),
    outputTokens: num(stats.output_tokens) ?? 0,
    cacheReadTokens: cached,
    cacheCreationTokens: 0,
  };
}

/** The model with the most tokens in stats.models: the main model (the router's calls are far smaller). */
function mainModelOf(stats: JsonObject): string | undefined {
  if (!isObject(stats.models)) return undefined;
  let best: { name: string; tokens: number } | undefined;
  for (const [name, entry] of Object.entries(stats.models)) {
    const tokens = isObject(entry) ? (num(entry.total_tokens) ?? 0) : 0;
    if (!best || tokens > best.tokens) best = { name, tokens };
  }
  return best?.name;
}

class GeminiStreamParser implements StreamParser {
  private readonly calls = new Map<string, { name: string; input: ToolInputSummary }>();
  private readonly denials: PermissionDenial[] = [];
  private readonly errors: string[] = [];
  /** Assistant text since the last tool result: the final answer once the run ends (§3.3 "Extraction"). */
  private answer: string[] = [];
  private result: ResultEvent | undefined;
  private resultErrorType: string | undefined;
  private sessionId: string | undefined;
  private model: string | undefined;

  push(line: string): AdapterEvent[] {
    return parseJsonLines(line).flatMap((obj) => this.event(obj));
  }

  private event(obj: JsonObject): AdapterEvent[] {
    switch (obj.type) {
      case 'init':
        return this.init(obj);
      case 'message':
        return this.message(obj);
      case 'tool_use':
        return this.toolUse(obj);
      case 'tool_result':
        return this.toolResult(obj);
      case 'error':
        return this.error(obj);
      case 'result':
        return this.resultLine(obj);
      default:
        return [];
    }
  }

  private init(obj: JsonObject): AdapterEvent[] {
    this.sessionId = str(obj.session_id) ?? this.sessionId;
    const model = str(obj.model);
    if (model !== undefined && model !== 'auto') this.model = model;
    return [
      {
        kind: 'init',
        tools: [],
        ...(model !== undefined ? { model } : {}),
        ...(this.sessionId !== undefined ? { sessionId: this.sessionId } : {}),
      },
    ];
  }

  private message(obj: JsonObject): AdapterEvent[] {
    if (obj.role !== 'assistant') return [];
    const text = str(obj.content);
    if (text === undefined || text === '') return [];
    this.answer.push(text);
    return [{ kind: 'text', text }];
  }

  private toolUse(obj: JsonObject): AdapterEvent[] {
    const id = str(obj.tool_id);
    if (id === undefined || this.calls.has(id)) return [];
    const name = str(obj.tool_name) ?? 'unknown';
    const input = summarizeGeminiToolInput(name, obj.parameters);
    this.calls.set(id, { name, input });
    return [{ kind: 'tool_call', id, name, input }];
  }

  private toolResult(obj: JsonObject): AdapterEvent[] {
    const id = str(obj.tool_id);
    if (id === undefined) return [];
    this.answer = [];
    const isError = obj.status === 'error';
    const error = isObject(obj.error) ? obj.error : {};
    const text = truncate(str(obj.output) ?? str(error.message) ?? '', TOOL_RESULT_MAX);
    const events: AdapterEvent[] = [{ kind: 'tool_result', id, isError, text }];
    const type = str(error.type);
    const call = this.calls.get(id);
    if (isError && type !== undefined && REFUSAL_TYPES.has(type) && !this.denials.some((d) => d.id === id)) {
      const denial: PermissionDenial = { tool: call?.name ?? 'unknown', input: call?.input ?? {}, id };
      this.denials.push(denial);
      events.push({ kind: 'permission_denial', ...denial });
    }
    return events;
  }

  /** Non-fatal (loop detected, max turns warning…): the run goes on, the result line decides. */
  private error(obj: JsonObject): AdapterEvent[] {
    const message = str(obj.message);
    if (message === undefined || message === '') return [];
    this.errors.push(message);
    const severity = str(obj.severity);
    return [{ kind: 'error', message: truncate(message, TOOL_RESULT_MAX), ...(severity !== undefined ? { code: severity } : {}) }];
  }

  private resultLine(obj: JsonObject): AdapterEvent[] {
    const stats = isObject(obj.stats) ? obj.stats : undefined;
    const ok = obj.status === 'success';
    const error = isObject(obj.error) ? obj.error : {};
    const errorMessage = str(error.message);
    this.resultErrorType = str(error.type);
    const result: ResultEvent = {
      kind: 'result',
      isError: !ok,
      permissionDenials: [...this.denials],
      errors: [...this.errors, ...(errorMessage !== undefined ? [errorMessage] : [])],
    };
    if (this.resultErrorType !== undefined) result.subtype = this.resultErrorType;
    const text = ok ? this.answer.join('') : errorMessage;
    if (text !== undefined) result.text = text;
    const durationMs = stats ? num(stats.duration_ms) : undefined;
    if (durationMs !== undefined) result.durationMs = durationMs;
    const events: AdapterEvent[] = [];
    if (stats) {
      result.usage = usageOf(stats);
      const model = this.model ?? mainModelOf(stats);
      // Gemini reports usage only here, as the run's total over every API call (§0.8): this one usage event carries
      // that total, so its context figure is an upper bound of the live context, not a per-call reading.
      if (result.usage.inputTokens + result.usage.cacheReadTokens + result.usage.outputTokens > 0) {
        events.push({ kind: 'usage', ...result.usage, ...(model !== undefined ? { model } : {}) });
      }
    }
    this.result = result;
    events.push(result);
    return events;
  }

  finish(exitCode: number | null): AgentOutcome {
    const r = this.result;
    const outcome: AgentOutcome = {
      ok: true,
      usage: r?.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
      toolCalls: this.calls.size,
      permissionDenials: [...this.denials],
    };
    if (this.sessionId !== undefined) outcome.sessionId = this.sessionId;
    if (r?.durationMs !== undefined) outcome.durationMs = r.durationMs;

    let failure: AgentFailure | undefined;
    if (exitCode === null) {
      failure = { class: 'exit', reason: exitReason(exitCode) };
    } else if (!r) {
      failure = this.withoutResult(exitCode);
    } else if (r.isError) {
      failure = this.classifyResult(r, exitCode);
    } else if (exitCode !== 0) {
      failure = { class: 'exit', reason: `${exitReason(exitCode)} after a successful result` };
    } else if (r.text !== undefined) {
      outcome.finalText = r.text;
    }
    return applyFailure(outcome, failure);
  }

  private withoutResult(exitCode: number): AgentFailure {
    // Auth failures with stream-json print nothing on stdout, only stderr (§3.4, checked on 0.61.0).
    if (exitCode === 41) return { class: 'provider_error', reason: `${exitReason(exitCode)}; no output (the reason is on stderr)` };
    if (exitCode === 53) return { class: 'context_exhausted', reason: `${exitReason(exitCode)} without a result line` };
    const status = httpStatusOfExit(exitCode);
    const byStatus = status !== undefined ? classifyHttpStatus(status) : undefined;
    if (byStatus) return { class: byStatus, reason: `${exitReason(exitCode)} without a result line` };
    return { class: 'exit', reason: `${exitReason(exitCode)} without a result line` };
  }

  /** Structured fields first (error type, exit code, API status), the message text last (§7). */
  private classifyResult(r: ResultEvent, exitCode: number): AgentFailure {
    const detail = r.errors.filter((t) => t !== '').join(' | ');
    const what = [r.subtype !== undefined ? `error type ${r.subtype}` : undefined, exitCode !== 0 ? exitReason(exitCode) : undefined]
      .filter((s): s is string => s !== undefined)
      .join(', ');
    const reason = `gemini reported an error${what !== '' ? ` (${what})` : ''}${detail !== '' ? `: ${detail}` : ''}`;
    // A turn limit ends the run unfinished, like Claude's max_turns: classed as context exhaustion. Another
    // attempt gets the same turn budget from scratch, so the executor does not retry it (isRetryable).
    if (this.resultErrorType === 'FatalTurnLimitedError' || exitCode === 53) return { class: 'context_exhausted', reason };
    if (this.resultErrorType === 'FatalAuthenticationError' || exitCode === 41) return { class: 'provider_error', reason };
    const byGoogle = classifyGoogleStatus(detail);
    if (byGoogle) return { class: byGoogle, reason };
    const status = httpStatusOfExit(exitCode);
    const byStatus = status !== undefined ? classifyHttpStatus(status) : undefined;
    if (byStatus) return { class: byStatus, reason };
    const byText = classifyErrorText(detail);
    if (byText) return { class: byText, reason };
    if (status !== undefined || /\[API Error/.test(detail)) return { class: 'provider_error', reason };
    if (exitCode !== 0 && EXIT_MEANING[exitCode] !== undefined && exitCode !== 1) return { class: 'exit', reason };
    return { class: 'unknown', reason };
  }
}

export function createGeminiParser(): StreamParser {
  return new GeminiStreamParser();
}
