// Gemini CLI's `-o stream-json` output → AdapterEvents, and the verdict from the result line and the exit code
// (agent-clis.md §3.3, §3.4, §5). Shapes and exit codes checked against the pinned 0.61.0; the lines in
// test/unit/adapters/gemini/stream.test.ts were captured from it. The mechanism is ../stream.
import { defined, isObject, num, str, type JsonObject } from '../stream/json.js';
import { classified, describeExit, failed, succeeded, type Verdict } from '../stream/outcome.js';
import { AgentStream, type OutcomeFigures } from '../stream/parser.js';
import { commandSummary, fileWriteSummary, summarizeInput, type InputSummaries } from '../stream/summary.js';
import { toolResult } from '../stream/tools.js';
import { usageEvent } from '../stream/usage.js';
import type { AdapterEvent, FailureClass, ResultEvent, StreamParser, ToolInputSummary, UsageTotals } from '../types.js';

/** Tool input summaries for the audit trace: paths and sizes, never file contents. */
const INPUT_SUMMARIES: InputSummaries = new Map([
  ['write_file', (input: JsonObject) => fileWriteSummary(input.file_path, input.content)],
  ['replace', (input: JsonObject) => fileWriteSummary(input.file_path, input.new_string)],
  ['run_shell_command', (input: JsonObject) => commandSummary(input.command)],
]);

export function summarizeGeminiToolInput(name: string, input: unknown): ToolInputSummary {
  return summarizeInput(INPUT_SUMMARIES, name, input);
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

/** What an exit code means to the CLI: a FatalError code, else the HTTP status it stands for (not 137 or 143). */
function exitMeaning(exitCode: number): string | undefined {
  const meaning = EXIT_MEANING[exitCode];
  if (meaning !== undefined) return meaning;
  const status = httpStatusOfExit(exitCode);
  return status !== undefined ? `HTTP ${status} from the API` : undefined;
}

const exitReason = (exitCode: number | null): string => describeExit('gemini', exitCode, exitMeaning);

/** The class an exit code names by itself (§3.4): the turn limit, a failed authentication. */
function exitClass(exitCode: number): FailureClass | undefined {
  if (exitCode === 53) return 'context_exhausted';
  if (exitCode === 41) return 'auth';
  return undefined;
}

/** The class a result's error type names: a turn limit ends the run unfinished, like Claude's max_turns. */
function errorTypeClass(type: string | undefined): FailureClass | undefined {
  if (type === 'FatalTurnLimitedError') return 'context_exhausted';
  if (type === 'FatalAuthenticationError') return 'auth';
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

class GeminiStream extends AgentStream {
  private readonly errors: string[] = [];
  /** Assistant text since the last tool result: the final answer once the run ends (§3.3 "Extraction"). */
  private answer: string[] = [];
  private result: ResultEvent | undefined;
  private model: string | undefined;

  protected map(obj: JsonObject): AdapterEvent[] {
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
    const sessionId = this.noteSession(str(obj.session_id));
    const model = str(obj.model);
    if (model !== undefined && model !== 'auto') this.model = model;
    return [{ kind: 'init', tools: [], ...defined({ model, sessionId }) }];
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
    const name = str(obj.tool_name) ?? 'unknown';
    return id === undefined ? [] : this.tools.call(id, name, summarizeGeminiToolInput(name, obj.parameters));
  }

  private toolResult(obj: JsonObject): AdapterEvent[] {
    const id = str(obj.tool_id);
    if (id === undefined) return [];
    this.answer = [];
    const error = isObject(obj.error) ? obj.error : {};
    const result = toolResult(id, obj.status === 'error', str(obj.output) ?? str(error.message) ?? '');
    const type = str(error.type);
    if (!result.isError || type === undefined || !REFUSAL_TYPES.has(type)) return [result];
    const call = this.tools.get(id);
    return [result, ...this.denials.add({ tool: call?.name ?? 'unknown', input: call?.input ?? {}, id })];
  }

  /** Non-fatal (loop detected, max turns warning…): the run goes on, the result line decides. */
  private error(obj: JsonObject): AdapterEvent[] {
    const message = str(obj.message);
    if (message === undefined || message === '') return [];
    this.errors.push(message);
    return [this.errorEvent(message, str(obj.severity))];
  }

  private resultLine(obj: JsonObject): AdapterEvent[] {
    const stats = isObject(obj.stats) ? obj.stats : undefined;
    const ok = obj.status === 'success';
    const error = isObject(obj.error) ? obj.error : {};
    const errorMessage = str(error.message);
    const usage = stats ? usageOf(stats) : undefined;
    this.result = this.resultEvent({
      isError: !ok,
      errors: [...this.errors, ...(errorMessage !== undefined ? [errorMessage] : [])],
      subtype: str(error.type),
      text: ok ? this.answer.join('') : errorMessage,
      durationMs: stats ? num(stats.duration_ms) : undefined,
      usage,
    });
    if (!stats || !usage) return [this.result];
    this.usage.report(usage);
    // Gemini reports usage only here, as the run's total over every API call (§0.8): this one usage event carries
    // that total, so its context figure is an upper bound of the live context, not a per-call reading.
    if (usage.inputTokens + usage.cacheReadTokens + usage.outputTokens === 0) return [this.result];
    return [usageEvent(usage, { model: this.model ?? mainModelOf(stats) }), this.result];
  }

  protected override figures(): OutcomeFigures {
    return { durationMs: this.result?.durationMs };
  }

  protected verdict(exitCode: number | null): Verdict {
    const r = this.result;
    if (exitCode === null) return failed('exit', exitReason(exitCode));
    if (!r) return withoutResult(exitCode);
    if (r.isError) return resultFailure(r, exitCode);
    if (exitCode !== 0) return failed('exit', `${exitReason(exitCode)} after a successful result`);
    return succeeded(r.text);
  }
}

function withoutResult(exitCode: number): Verdict {
  // Auth failures with stream-json print nothing on stdout, only stderr (§3.4, checked on 0.61.0).
  const why = exitCode === 41 ? '; no output (the reason is on stderr)' : ' without a result line';
  const reason = `${exitReason(exitCode)}${why}`;
  return classified({ reported: exitClass(exitCode), status: httpStatusOfExit(exitCode), otherwise: 'exit' }, reason);
}

/**
 * The error type and the exit code's own meaning, the HTTP status the exit code stands for, then the message text
 * (§7). A turn limit is context exhaustion, which the executor does not retry: another attempt gets the same budget.
 */
function resultFailure(r: ResultEvent, exitCode: number): Verdict {
  const texts = r.errors.filter((t) => t !== '');
  const what = [
    r.subtype !== undefined ? `error type ${r.subtype}` : undefined,
    exitCode !== 0 ? exitReason(exitCode) : undefined,
  ]
    .filter((s): s is string => s !== undefined)
    .join(', ');
  const detail = texts.length > 0 ? `: ${texts.join(' | ')}` : '';
  const reason = `gemini reported an error${what !== '' ? ` (${what})` : ''}${detail}`;
  const status = httpStatusOfExit(exitCode);
  const fatal = exitCode !== 0 && exitCode !== 1 && EXIT_MEANING[exitCode] !== undefined;
  const otherwise = status !== undefined ? 'provider_error' : fatal ? 'exit' : 'unknown';
  return classified({ reported: errorTypeClass(r.subtype) ?? exitClass(exitCode), status, texts, otherwise }, reason);
}

export function createGeminiParser(): StreamParser {
  return new GeminiStream();
}
