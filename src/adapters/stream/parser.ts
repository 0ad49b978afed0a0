// The stream mechanism every adapter shares: the line push, the tool registry, usage, denials, the session and
// the outcome assembly. A CLI's stream only maps its JSON objects to events (map) and says, from what it saw,
// whether the run finished or how it failed (verdict, classified by the one classifier in classify.ts).
import type { AdapterEvent, AgentOutcome, ErrorEvent, ResultEvent, StreamParser } from '../types.js';
import { DenialLog } from './denials.js';
import { defined, parseJsonLines, type JsonObject } from './json.js';
import { REASON_MAX, type Verdict } from './outcome.js';
import { truncate, TOOL_RESULT_MAX } from './summary.js';
import { ToolRegistry } from './tools.js';
import { UsageMeter } from './usage.js';

/** Outcome figures only some CLIs report. */
export type OutcomeFigures = Partial<Pick<AgentOutcome, 'numTurns' | 'durationMs' | 'totalCostUsd' | 'contextWindow'>>;

/** What a result event carries besides its kind and the denials, which the stream fills in. */
export type ResultFields = Omit<ResultEvent, 'kind' | 'permissionDenials'>;

export abstract class AgentStream implements StreamParser {
  protected readonly tools = new ToolRegistry();
  protected readonly usage = new UsageMeter();
  protected readonly denials = new DenialLog();
  private session: string | undefined;

  push(line: string): AdapterEvent[] {
    return parseJsonLines(line).flatMap((obj) => this.map(obj));
  }

  /** One JSON object of the CLI's stdout → normalized events. Unknown types and fields yield none. */
  protected abstract map(obj: JsonObject): AdapterEvent[];

  /** How the run ended, from the lines seen and the exit code (`null`: killed). */
  protected abstract verdict(exitCode: number | null): Verdict;

  /** The figures of the outcome this CLI reports; none by default. */
  protected figures(): OutcomeFigures {
    return {};
  }

  /** The session id: the first one the CLI names wins. Returns the id now in force. */
  protected noteSession(id: string | undefined): string | undefined {
    this.session ??= id;
    return this.session;
  }

  protected resultEvent(fields: ResultFields): ResultEvent {
    return { kind: 'result', permissionDenials: this.denials.list(), ...(defined(fields) as ResultFields) };
  }

  protected errorEvent(message: string, code?: string): ErrorEvent {
    return { kind: 'error', message: truncate(message, TOOL_RESULT_MAX), ...defined({ code }) };
  }

  finish(exitCode: number | null): AgentOutcome {
    const verdict = this.verdict(exitCode);
    const outcome: AgentOutcome = {
      ok: verdict.failure === undefined,
      usage: this.usage.total(),
      toolCalls: this.tools.size,
      permissionDenials: this.denials.list(),
      ...defined({ ...this.figures(), sessionId: this.session }),
    };
    const { failure } = verdict;
    if (failure) outcome.failure = { class: failure.class, reason: truncate(failure.reason, REASON_MAX) };
    else if (verdict.finalText !== undefined) outcome.finalText = verdict.finalText;
    return outcome;
  }
}
