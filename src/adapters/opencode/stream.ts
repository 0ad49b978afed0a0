// OpenCode's `run --format json` output → AdapterEvents, and the verdict from the error lines, the steps and the
// exit code (agent-clis.md §2.3, §2.5, §5). Checked against the pinned 1.18.33, which writes no `done` line. The
// mechanism (registry, usage, denials, outcome, classifier) is ../stream.
import { arr, defined, int, isObject, num, str, type JsonObject } from '../stream/json.js';
import { classified, describeExit, failed, succeeded, type Verdict } from '../stream/outcome.js';
import { AgentStream, type OutcomeFigures } from '../stream/parser.js';
import { anyOf } from '../stream/patterns.js';
import {
  commandSummary,
  fileWriteSummary,
  summarizeInput,
  truncate,
  TOOL_RESULT_MAX,
  type InputSummaries,
} from '../stream/summary.js';
import { toolResult } from '../stream/tools.js';
import type { AdapterEvent, StreamParser, ToolInputSummary } from '../types.js';
import { unique } from '../unique.js';

/** Tool input summaries for the audit trace. OpenCode's input keys are camelCase. */
const INPUT_SUMMARIES: InputSummaries = new Map([
  ['write', (input: JsonObject) => fileWriteSummary(input.filePath, input.content, 'filePath')],
  ['edit', (input: JsonObject) => fileWriteSummary(input.filePath, input.newString, 'filePath')],
  ['apply_patch', patchSummary],
  ['patch', patchSummary],
  ['bash', (input: JsonObject) => commandSummary(input.command)],
]);

function patchSummary(input: JsonObject): ToolInputSummary {
  const text = input.patchText ?? input.patch;
  return { content_length: typeof text === 'string' ? text.length : 0 };
}

export function summarizeOpencodeToolInput(name: string, input: unknown): ToolInputSummary {
  return summarizeInput(INPUT_SUMMARIES, name, input);
}

/**
 * How OpenCode 1.18.33 words a refused call in the tool's error: a `deny` rule ("The user has specified a rule
 * which prevents you from using this specific tool call…"), an ask that `run` rejected ("The user rejected
 * permission to use this specific tool call"), or a tool the rules removed from the session that the model called
 * anyway ("Model tried to call unavailable tool 'bash'…", through the `invalid` tool). Checked against the real
 * binary (test/e2e/opencode.test.ts). A tool that merely failed ("File not found: …") is no refusal.
 */
const REFUSAL = anyOf([
  /prevents you from using this specific tool call/,
  /rejected permission to use this specific tool call/,
  /unavailable tool '/,
]);

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (!isObject(error)) return 'unknown error';
  const data = isObject(error.data) ? error.data : {};
  return str(data.message) ?? str(error.message) ?? str(error.name) ?? 'unknown error';
}

function statusOf(error: unknown): number | undefined {
  if (!isObject(error) || !isObject(error.data)) return undefined;
  return int(error.data.statusCode) ?? int(error.data.status);
}

const exitReason = (exitCode: number | null): string => describeExit('opencode', exitCode);

interface ErrorLine {
  text: string;
  name: string | undefined;
  status: number | undefined;
}

class OpencodeStream extends AgentStream {
  /** Completed text parts by message id, in order: the final answer is the last stopped message's text. */
  private readonly texts = new Map<string, string[]>();
  private readonly errors: ErrorLine[] = [];
  /** Error texts from the CLI's own log on stderr (see pushStderr). */
  private readonly logErrors: string[] = [];
  private started = false;
  private steps = 0;
  private cost = 0;
  private finalText: string | undefined;
  private lastText: string | undefined;

  protected map(obj: JsonObject): AdapterEvent[] {
    this.noteSession(str(obj.sessionID));
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
    return [{ kind: 'init', tools: [], ...defined({ sessionId: str(obj.sessionID) }) }];
  }

  private toolUse(part: JsonObject): AdapterEvent[] {
    const id = str(part.callID) ?? str(part.id);
    const state = isObject(part.state) ? part.state : {};
    const status = str(state.status);
    // `run` only writes finished calls; a running one (future versions) is not a result yet.
    if (id === undefined || (status !== 'completed' && status !== 'error')) return [];
    const tool = str(part.tool) ?? 'unknown';
    const rawInput = isObject(state.input) ? state.input : {};
    // OpenCode rewrites a call it cannot run (a malformed call, a tool removed by the rules) into its `invalid`
    // tool, input {tool, error}, which "completes" with an error text for the model: a failed call of that tool.
    const repaired = tool === 'invalid' ? str(rawInput.tool) : undefined;
    const name = repaired ?? tool;
    const input = repaired !== undefined ? {} : summarizeOpencodeToolInput(name, state.input);
    const call = this.tools.call(id, name, input);
    if (call.length === 0) return [];
    const text =
      status === 'error'
        ? (str(state.error) ?? 'error')
        : repaired !== undefined
          ? (str(rawInput.error) ?? str(state.output) ?? 'invalid tool call')
          : (str(state.output) ?? '');
    const result = toolResult(id, status === 'error' || repaired !== undefined, text);
    const refused = result.isError && REFUSAL.test(result.text);
    return [...call, result, ...(refused ? this.denials.add({ tool: name, input, id }) : [])];
  }

  private text(part: JsonObject): AdapterEvent[] {
    const text = str(part.text);
    if (text === undefined || text === '') return [];
    const messageId = str(part.messageID) ?? '';
    this.texts.set(messageId, [...(this.texts.get(messageId) ?? []), text]);
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
      this.finalText = this.texts.get(messageId ?? '')?.join('\n') ?? this.lastText;
    }
    const tokens = isObject(part.tokens) ? part.tokens : undefined;
    if (!tokens) return [];
    const cache = isObject(tokens.cache) ? tokens.cache : {};
    const call = {
      inputTokens: num(tokens.input) ?? 0,
      outputTokens: num(tokens.output) ?? 0,
      cacheReadTokens: num(cache.read) ?? 0,
      cacheCreationTokens: num(cache.write) ?? 0,
    };
    return [this.usage.call(call, { messageId, reasoningTokens: num(tokens.reasoning) })];
  }

  private error(error: unknown): AdapterEvent[] {
    const text = truncate(errorText(error), TOOL_RESULT_MAX);
    const name = isObject(error) ? str(error.name) : undefined;
    this.errors.push({ text, name, status: statusOf(error) });
    return [this.errorEvent(text, name)];
  }

  /** `done` is in newer sources (§2.3) but not written by 1.18.33: its `rejected` list names refused tools. */
  private done(obj: JsonObject): AdapterEvent[] {
    const events: AdapterEvent[] = [];
    for (const entry of arr(obj.rejected)) {
      const named = isObject(entry) ? (str(entry.permission) ?? str(entry.tool)) : undefined;
      const tool = typeof entry === 'string' ? entry : named;
      if (tool === undefined) continue;
      const id = isObject(entry) ? str(entry.callID) : undefined;
      // A bare name also answers one of the refused calls already reported: count it once.
      if (id === undefined && this.denials.hasTool(tool)) continue;
      events.push(...this.denials.add({ tool, input: {}, ...defined({ id }) }));
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

  protected override figures(): OutcomeFigures {
    return { numTurns: this.steps, totalCostUsd: this.steps > 0 ? this.cost : undefined };
  }

  /** 0: the session went idle (also after refused tools); 1: a session or prompt error; killed: no code (§2.4). */
  protected verdict(exitCode: number | null): Verdict {
    if (this.errors.length > 0) return this.errorFailure(exitCode);
    if (exitCode !== 0) return failed('exit', exitReason(exitCode));
    if (this.steps === 0) return failed('exit', 'opencode exited 0 without a single model step');
    return succeeded(this.finalText);
  }

  /** The error lines' names and the provider's status (when reported), then their texts (§7). */
  private errorFailure(exitCode: number | null): Verdict {
    const texts = this.errors.map((e) => (e.name !== undefined && e.name !== e.text ? `${e.name}: ${e.text}` : e.text));
    if (this.errors.every((e) => e.name === 'UnknownError')) texts.push(...this.logErrors);
    const detail = unique(texts);
    const reason = `opencode reported an error (${exitReason(exitCode)}): ${detail.join(' | ')}`;
    const names = new Set(this.errors.map((e) => e.name));
    const fromApi = names.has('APIError');
    return classified(
      {
        reported: names.has('ProviderAuthError')
          ? 'auth'
          : names.has('ContextOverflowError')
            ? 'context_exhausted'
            : undefined,
        status: this.errors.find((e) => e.status !== undefined)?.status,
        texts: detail,
        otherwise: fromApi ? 'provider_error' : 'unknown',
      },
      reason,
    );
  }
}

export function createOpencodeParser(): StreamParser {
  return new OpencodeStream();
}
